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

"""Home identities federated to service providers, cached by Keystone.

The shape follows the original Mix and Match design: a table of the
service providers' Keystones, each holding the identities federated to it
(a K2K session per home user, home project and remote project) and the
service endpoints found in its catalog. A K2K exchange costs a SAML
round trip through both Keystones, so an identity is kept until its token
(home or foreign) is about to expire; the caller drops it when the
foreign cloud refuses it (:meth:`IdentityCache.forget`).
"""

import threading

from keystoneauth1 import discover
from keystoneauth1 import exceptions as ksa_exception
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from nova import context as nova_context
from oslo_log import log as logging

from mixmatch_federation import exception
from mixmatch_federation import k2k
from mixmatch_federation import route
from nova_mixmatch import conf
from nova_mixmatch.foreign import home
from nova_mixmatch.foreign import service
from nova_mixmatch import lru

__all__ = ['FederatedIdentity', 'IdentityCache']

CONF = conf.CONF
LOG = logging.getLogger(__name__)


class FederatedIdentity:
    """A home identity authenticated at one project of a service provider.

    :param auth: its K2K plugin, authenticated.
    :param session: a session over ``auth``, with the ``[mixmatch]``
        session options (TLS...).
    """

    def __init__(self, auth: k2k.FederatedAuth,
                 session: ks_session.Session) -> None:
        self.auth = auth
        self.session = session

    @property
    def project_id(self) -> str:
        return self.auth.project_id

    @property
    def keystone_endpoint(self) -> str:
        return self.auth.auth_url

    @property
    def identity_provider(self) -> str | None:
        """The home cloud's identity provider id at the provider."""
        return self.auth.identity_provider

    def expiring(self) -> bool:
        """Whether its home or foreign token is about to expire."""
        refs = (self.auth.auth_ref, self.auth.home.auth_ref)
        return any(ref is None or ref.will_expire_soon(k2k.MIN_TOKEN_LIFE)
                   for ref in refs)


class _Keystone:
    """A service provider's Keystone and what was learnt from it."""

    def __init__(self, endpoint: str, size: int) -> None:
        self.endpoint = endpoint
        #: (user, home project, remote project) -> FederatedIdentity
        self.identities = lru.LRU(size)
        #: (remote project, EndpointFilter) -> EndpointData
        self.services = lru.LRU(size)


def _identity_key(context: nova_context.RequestContext,
                  project_id: str | None) -> tuple:
    return (context.user_id, context.project_id, project_id)


class IdentityCache:
    """Thread-safe and bounded: ``size`` identities per Keystone."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._keystones: dict[str, _Keystone] = {}
        self._sp_endpoints: dict[str, str] = {}
        #: exchanges in progress, so that concurrent callers wait for one
        self._building: dict[tuple, threading.Lock] = {}

    def _keystone(self, service_provider: str) -> _Keystone | None:
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

    def federate(self, context: nova_context.RequestContext,
                 service_provider: str, project_id: str | None = None
                 ) -> FederatedIdentity:
        """The identity of ``context`` at ``service_provider``.

        From the cache, or else from a new K2K exchange (one at a time per
        identity: concurrent callers wait for it).

        :param project_id: the project there; None picks the only one.
        :raises: a :class:`~mixmatch_federation.exception.MixmatchError`
            that says why, if either Keystone refuses.
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
        auth = k2k.FederatedAuth(home.home_auth(context), service_provider,
                                 project_id=project_id)
        session = ks_loading.load_session_from_conf_options(
            CONF, conf.GROUP.name, auth=auth)
        try:
            auth.get_access(session)
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
                endpoint, _Keystone(endpoint, self._size))
            self._sp_endpoints[service_provider] = endpoint
        keystone.identities.put(
            _identity_key(context, identity.project_id), identity)
        if project_id is None:
            # Remember the project picked for this user, too.
            keystone.identities.put(_identity_key(context, None), identity)
        return identity

    def resolve(self, context: nova_context.RequestContext,
                service_provider: str, project_id: str | None = None
                ) -> route.Route:
        """The route to use at ``service_provider``.

        Authenticates there and picks the remote project (see
        :class:`mixmatch_federation.k2k.FederatedAuth`).

        :raises: as :meth:`federate`.
        """
        identity = self.federate(context, service_provider, project_id)
        return route.Route(service_provider, identity.project_id)

    def forget(self, context: nova_context.RequestContext,
               where: route.Route) -> None:
        """Drop the cached identity of ``context`` at ``where``."""
        keystone = self._keystone(where.service_provider)
        if keystone is None:
            return
        identity = keystone.identities.pop(
            _identity_key(context, where.project_id))
        default_key = _identity_key(context, None)
        if identity is not None and (
                keystone.identities.get(default_key) is identity):
            keystone.identities.pop(default_key)

    def endpoint(self, identity: FederatedIdentity, where: route.Route,
                 wanted: service.EndpointFilter) -> discover.EndpointData:
        """The endpoint of a service at ``where``, versions discovered.

        :raises: keystoneauth1.exceptions.EndpointNotFound if the
            provider's catalog has none.
        """
        keystone = self._keystone(where.service_provider)
        key = (where.project_id, wanted)
        data = keystone.services.get(key)
        if data is None:
            data = identity.auth.get_endpoint_data(
                identity.session, service_type=wanted.service_type,
                interface=wanted.interface, region_name=wanted.region_name,
                min_version=wanted.min_version,
                max_version=wanted.max_version, discover_versions=True)
            if data is None:
                raise ksa_exception.EndpointNotFound(
                    'No %s endpoint at service provider %s' % (
                        wanted.service_type, where.service_provider))
            keystone.services.put(key, data)
        return data
