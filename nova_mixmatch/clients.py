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

"""Cinder clients of federated clouds, cached by Keystone endpoint.

The shape follows the original Mix and Match design: a table of the
service providers' Keystones, each holding the identities federated to it
(a K2K session per home user, home project and remote project) and the
service endpoints found in its catalog. A K2K exchange costs a SAML
round trip through both Keystones, so an identity is kept until its token
(home or foreign) is about to expire, and dropped and built again once
when the foreign cloud refuses it.
"""

import threading

from cinderclient import client as cinder_client
from cinderclient import exceptions as cinder_exception
from keystoneauth1 import discover
from keystoneauth1 import exceptions as ksa_exception
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import service_token
from oslo_log import log as logging

from nova import context as nova_context
from nova import exception as nova_exception

from nova_mixmatch import conf
from nova_mixmatch import exception
from nova_mixmatch import k2k
from nova_mixmatch import lru
from nova_mixmatch import route as route_mod

CONF = conf.CONF
LOG = logging.getLogger(__name__)

_AUTH_FAILURES = (ksa_exception.Unauthorized,
                  ksa_exception.AuthorizationFailure,
                  cinder_exception.Unauthorized)
#: The foreign Cinder is unreachable (a 5xx counts too: it is down or
#: broken, not the request).
_UNREACHABLE = (ksa_exception.ConnectionError,
                cinder_exception.ConnectionError)


class ForeignCallFailed(nova_exception.Invalid):
    """A call to a foreign cloud failed through no fault of the request.

    A Nova ``Invalid``: Nova's API answers it with a 400 and this message,
    wherever it comes from, rather than a 500; on a compute host it becomes
    the instance fault.
    """

    msg_fmt = 'Service provider %(service_provider)s failed: %(reason)s'


class FederatedIdentity:
    """A home identity authenticated at one service provider."""

    def __init__(self, auth, session):
        self.auth = auth
        self.session = session

    @property
    def project_id(self):
        return self.auth.project_id

    @property
    def keystone_endpoint(self):
        return self.auth.auth_url

    @property
    def identity_provider(self):
        """The home cloud's identity provider id at the provider."""
        return self.auth.identity_provider

    def expiring(self):
        refs = (self.auth.auth_ref, self.auth.home.auth_ref)
        return any(ref is None or ref.will_expire_soon(k2k.MIN_TOKEN_LIFE)
                   for ref in refs)


class Keystone:
    """A service provider's Keystone and what was learnt from it."""

    def __init__(self, endpoint, size):
        self.endpoint = endpoint
        self.identities = lru.LRU(size)
        #: (project, service type, interface, region) -> EndpointData
        self.services = lru.LRU(size)


def _identity_key(context, project_id):
    return (context.user_id, context.project_id, project_id)


class ForeignClients:

    def __init__(self, size):
        self._size = size
        self._lock = threading.Lock()
        self._keystones = {}
        self._sp_endpoints = {}
        self._building = {}

    def _keystone(self, service_provider):
        with self._lock:
            endpoint = self._sp_endpoints.get(service_provider)
            return endpoint and self._keystones[endpoint]

    def _cached(self, context, service_provider, project_id):
        keystone = self._keystone(service_provider)
        if keystone is None:
            return None
        key = _identity_key(context, project_id)
        identity = keystone.identities.get(key)
        if identity is not None and identity.expiring():
            keystone.identities.pop(key)
            identity = None
        return identity

    def federate(self, context, service_provider, project_id=None):
        """A federated identity at ``service_provider``.

        From the cache, or else from a new K2K exchange.

        :raises: a :class:`~nova_mixmatch.exception.MixmatchError` subclass
            that says why, if Keystone refuses.
        """
        identity = self._cached(context, service_provider, project_id)
        if identity is not None:
            return identity
        key = (service_provider,) + _identity_key(context, project_id)
        with self._lock:
            lock = self._building.setdefault(key, threading.Lock())
        with lock:
            try:
                # Another thread may have finished the exchange meanwhile.
                identity = self._cached(context, service_provider,
                                        project_id)
                if identity is None:
                    identity = self._exchange(context, service_provider,
                                              project_id)
            finally:
                # Waiters hold the lock already; later callers find the
                # cache. Keeps _building as small as the exchanges running.
                with self._lock:
                    if self._building.get(key) is lock:
                        del self._building[key]
        return identity

    def _exchange(self, context, service_provider, project_id):
        auth = k2k.FederatedAuth(k2k.home_auth(context), service_provider,
                                 project_id=project_id)
        session = ks_loading.load_session_from_conf_options(
            CONF, conf.GROUP.name, auth=auth)
        try:
            auth.get_access(session)
        except ksa_exception.ServiceProviderNotFound:
            raise exception.ServiceProviderNotFound(
                service_provider=service_provider)
        except ksa_exception.ClientException as exc:
            raise exception.ForeignAuthFailed(
                service_provider=service_provider, reason=exc)
        identity = FederatedIdentity(auth, session)
        LOG.info('K2K exchange done for user %(user)s at service provider '
                 '%(sp)s, project %(project)s',
                 {'user': context.user_id, 'sp': service_provider,
                  'project': identity.project_id})
        with self._lock:
            endpoint = identity.keystone_endpoint
            keystone = self._keystones.setdefault(
                endpoint, Keystone(endpoint, self._size))
            self._sp_endpoints[service_provider] = endpoint
        keystone.identities.put(
            _identity_key(context, identity.project_id), identity)
        if project_id is None:
            # Remember the project picked for this user, too.
            keystone.identities.put(_identity_key(context, None), identity)
        return identity

    def forget(self, context, route):
        """Drop the cached identity of ``context`` at ``route``."""
        keystone = self._keystone(route.service_provider)
        if keystone is None:
            return
        identity = keystone.identities.pop(
            _identity_key(context, route.project_id))
        default_key = _identity_key(context, None)
        if identity is not None and (
                keystone.identities.get(default_key) is identity):
            keystone.identities.pop(default_key)

    def resolve(self, context, service_provider, project_id=None):
        """The route to use at ``service_provider``.

        Authenticates there and picks the remote project (see
        :class:`nova_mixmatch.k2k.FederatedAuth`).
        """
        identity = self.federate(context, service_provider, project_id)
        return route_mod.Route(service_provider, identity.project_id)

    def _endpoint(self, identity, route):
        keystone = self._keystone(route.service_provider)
        key = (route.project_id, CONF.mixmatch.cinder_service_type,
               CONF.mixmatch.cinder_interface,
               CONF.mixmatch.cinder_region_name)
        data = keystone.services.get(key)
        if data is None:
            data = identity.auth.get_endpoint_data(
                identity.session,
                service_type=CONF.mixmatch.cinder_service_type,
                interface=CONF.mixmatch.cinder_interface,
                region_name=CONF.mixmatch.cinder_region_name,
                min_version='3.0', max_version='3.latest',
                discover_versions=True)
            if data is None:
                raise ksa_exception.EndpointNotFound(
                    'No %s endpoint at service provider %s' % (
                        CONF.mixmatch.cinder_service_type,
                        route.service_provider))
            keystone.services.put(key, data)
        return data

    def _session(self, context, identity, route):
        """The session of ``identity``, with Nova's service token there.

        Cinder trusts detach-type calls (OSSA-2023-003) only with a service
        token whose roles it knows. The home one is worthless at the
        provider and must not leak there: Nova's own identity, from the
        ``[mixmatch]`` auth options, is federated too, in the route's
        project, where the provider's mapping grants it the service role.
        """
        if k2k.acts_as_nova(context) or not k2k.nova_identity_configured():
            # The identity is Nova's already, or Nova has none.
            return identity.session
        nova = self.federate(nova_context.get_admin_context(),
                             route.service_provider, route.project_id)
        auth = service_token.ServiceTokenAuthWrapper(identity.auth, nova.auth)
        return ks_loading.load_session_from_conf_options(
            CONF, conf.GROUP.name, auth=auth,
            session=identity.session.session)

    def cinder(self, context, route, microversion=None):
        """A cinderclient for ``route``, at ``microversion`` (default 3.0).

        :raises: nova.exception.CinderAPIVersionNotAvailable if the foreign
            Cinder does not support ``microversion``.
        """
        identity = self.federate(context, route.service_provider,
                                 route.project_id)
        data = self._endpoint(identity, route)
        version = microversion or '3.0'
        if not discover.version_between(
                data.min_microversion or (3, 0), data.max_microversion,
                discover.normalize_version_number(version)):
            raise nova_exception.CinderAPIVersionNotAvailable(version=version)
        session = self._session(context, identity, route)
        return cinder_client.Client(
            version, session=session, endpoint_override=data.url,
            connect_retries=CONF.cinder.http_retries,
            global_request_id=context.global_id)

    def call(self, context, route, microversion, func):
        """``func(client)`` with a client for ``route``.

        On an auth failure drop the identity, authenticate again once and
        retry once.

        :raises: :class:`ForeignCallFailed` when the service provider
            cannot be reached or refuses to authenticate; Cinder's own
            answers (not found, bad request...) pass through for Nova.
        """
        try:
            try:
                return self._call(context, route, microversion, func)
            except _AUTH_FAILURES as exc:
                LOG.info('Service provider %(sp)s refused the cached '
                         'identity (%(exc)s); authenticating again',
                         {'sp': route.service_provider, 'exc': exc})
                self.forget(context, route)
            try:
                return self._call(context, route, microversion, func)
            except _AUTH_FAILURES as exc:
                raise exception.ForeignAuthFailed(
                    service_provider=route.service_provider, reason=exc)
        except exception.MixmatchError as exc:
            raise ForeignCallFailed(service_provider=route.service_provider,
                                    reason=exc)
        except _UNREACHABLE as exc:
            raise ForeignCallFailed(service_provider=route.service_provider,
                                    reason='its volume service is '
                                           'unreachable (%s)' % exc)
        except cinder_exception.ClientException as exc:
            if exc.code < 500:
                raise
            raise ForeignCallFailed(service_provider=route.service_provider,
                                    reason='its volume service answered '
                                           '%s' % exc)

    def _call(self, context, route, microversion, func):
        client = self.cinder(context, route, microversion)
        try:
            return func(client)
        except ksa_exception.NotFound as exc:
            # Only authentication talks to Keystone here: a 404 from it must
            # not read as "volume or attachment not found", which makes Nova
            # drop block device mappings.
            raise exception.ForeignAuthFailed(
                service_provider=route.service_provider, reason=exc)
