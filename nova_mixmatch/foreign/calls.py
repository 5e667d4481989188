# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Calls to the services of service providers, for a request context.

For (context, route, service): a session at the provider, the service's
endpoint there and its client, from the identity cache; and the call
policy. A refused token (401, or an authentication failure) drops the
identity, authenticates again once and retries once; the failures that
are not the request's are translated once
(:mod:`~nova_mixmatch.foreign.failures`).
"""

import typing

from keystoneauth1 import exceptions as ksa_exception
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import service_token
from keystoneauth1 import session as ks_session
from nova import context as nova_context
from oslo_log import log as logging

from mixmatch_federation import exception
from mixmatch_federation import route
from nova_mixmatch import conf
from nova_mixmatch.foreign import failures
from nova_mixmatch.foreign import home
from nova_mixmatch.foreign import identities
from nova_mixmatch.foreign import service as service_mod

__all__ = ['ForeignClients']

CONF = conf.CONF
LOG = logging.getLogger(__name__)
#: keystoneauth's errors for a refused token.
AUTH_FAILURES = (ksa_exception.Unauthorized,
                 ksa_exception.AuthorizationFailure)

Context = nova_context.RequestContext
T = typing.TypeVar('T')


class ForeignClients:
    """Sessions, endpoints and clients of every foreign service.

    :param cache: the identities federated so far, and their endpoints.
    """

    def __init__(self, cache: identities.IdentityCache) -> None:
        self.identities = cache

    def session(self, context: Context, where: route.Route
                ) -> ks_session.Session:
        """The session of ``context`` at ``where``.

        With Nova's service token there: Cinder trusts detach-type calls
        (OSSA-2023-003) only with a service token whose roles it knows.
        The home one is worthless at the provider and must not leak there:
        Nova's own identity, from the ``[mixmatch]`` auth options, is
        federated too, in the route's project, where the provider's mapping
        grants it the service role.

        :raises: as :meth:`IdentityCache.federate
            <nova_mixmatch.foreign.identities.IdentityCache.federate>`.
        """
        identity = self.identities.federate(
            context, where.service_provider, where.project_id)
        if home.acts_as_nova(context) or not home.nova_identity_configured():
            # The identity is Nova's already, or Nova has none.
            return identity.session
        nova = self.identities.federate(nova_context.get_admin_context(),
                                        where.service_provider,
                                        where.project_id)
        auth = service_token.ServiceTokenAuthWrapper(identity.auth, nova.auth)
        return ks_loading.load_session_from_conf_options(
            CONF, conf.GROUP.name, auth=auth,
            session=identity.session.session)

    def client(self, context: Context, where: route.Route,
               service: service_mod.Service, **kwargs: typing.Any
               ) -> typing.Any:
        """``service``'s client for ``context`` at ``where``.

        :param kwargs: passed to :meth:`Service.client
            <nova_mixmatch.foreign.service.Service.client>`.
        :raises: as :meth:`session`; keystoneauth's EndpointNotFound; what
            the service raises for an endpoint that cannot serve.
        """
        identity = self.identities.federate(
            context, where.service_provider, where.project_id)
        endpoint = self.identities.endpoint(identity, where,
                                            service.endpoint())
        return service.client(self.session(context, where), endpoint,
                              context, **kwargs)

    def call(self, context: Context, where: route.Route,
             service: service_mod.Service,
             func: typing.Callable[[typing.Any], T],
             **kwargs: typing.Any) -> T:
        """``func(client)`` with ``service``'s client at ``where``.

        :param kwargs: for the client, as in :meth:`client`.
        :raises: :class:`~nova_mixmatch.exception.ForeignCallFailed` when
            the service provider cannot be reached, refuses to
            authenticate or is broken; the service's own answers about the
            request (not found, bad request...) pass through.
        """
        auth_failures = AUTH_FAILURES + service.auth_failures
        with failures.translated(where, service):
            try:
                return self._call(context, where, service, func, kwargs)
            except auth_failures as exc:
                LOG.info('Service provider %(sp)s refused the cached '
                         'identity (%(exc)s); authenticating again',
                         {'sp': where.service_provider, 'exc': exc})
                self.identities.forget(context, where)
            try:
                return self._call(context, where, service, func, kwargs)
            except auth_failures as exc:
                raise exception.ForeignAuthFailed(
                    service_provider=where.service_provider, reason=exc)

    def _call(self, context, where, service, func, kwargs):
        client = self.client(context, where, service, **kwargs)
        try:
            return func(client)
        except ksa_exception.NotFound as exc:
            # Only authentication talks to Keystone here, the services
            # answer with their client library's errors: a 404 from it must
            # not read as "volume not found", which makes Nova drop block
            # device mappings.
            raise exception.ForeignAuthFailed(
                service_provider=where.service_provider, reason=exc)
