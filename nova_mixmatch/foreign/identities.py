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

An identity also travels with the request: the process that federated
it carries it in the request context over the message bus
(:mod:`~nova_mixmatch.foreign.carried`), and the conductor and the
compute host that serve the request adopt it instead of exchanging
again. One K2K exchange per user, provider and project serves the whole
attach. An identity is exchanged again in the background before it
expires (:meth:`FederatedIdentity.due`), so that no request waits for it.
"""

import contextlib
import datetime
import threading

from keystoneauth1 import access
from keystoneauth1 import discover
from keystoneauth1 import exceptions as ksa_exception
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from nova import context as nova_context
from oslo_log import log as logging
from oslo_utils import timeutils

from mixmatch_federation import exception
from mixmatch_federation import k2k
from mixmatch_federation import route
from nova_mixmatch import conf
from nova_mixmatch.foreign import carried
from nova_mixmatch.foreign import home
from nova_mixmatch.foreign import service
from nova_mixmatch import lru

__all__ = ['FederatedIdentity', 'IdentityCache']

CONF = conf.CONF
LOG = logging.getLogger(__name__)
#: Exchange again, in the background, once an identity has less than this
#: share of its usable life left: the requests meanwhile use the old one.
REFRESH_AHEAD = 0.25


class FederatedIdentity:
    """A home identity authenticated at one project of a service provider.

    :param auth: its K2K plugin, authenticated.
    :param session: a session over ``auth``, with the ``[mixmatch]``
        session options (TLS...).
    :param home_expires_at: when the home token it came from expires.
    """

    def __init__(self, auth: k2k.FederatedAuth,
                 session: ks_session.Session,
                 home_expires_at: datetime.datetime,
                 adopted: bool = False) -> None:
        self.auth = auth
        self.session = session
        self.home_expires_at = home_expires_at
        #: Another process exchanged it (see :meth:`adopt`).
        self.adopted = adopted

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

    @property
    def expires_at(self) -> datetime.datetime:
        return self.auth.auth_ref.expires

    def expiring(self) -> bool:
        """Whether its home or foreign token is about to expire."""
        ref = self.auth.auth_ref
        return (ref is None or ref.will_expire_soon(k2k.MIN_TOKEN_LIFE) or
                timeutils.is_soon(self.home_expires_at, k2k.MIN_TOKEN_LIFE))

    def due(self) -> bool:
        """Whether to exchange again before it expires, off the request.

        Once less than :data:`REFRESH_AHEAD` of its usable life (until
        :meth:`expiring`) is left, if the home token outlives it: a new
        exchange then gives a longer-lived one.
        """
        ref = self.auth.auth_ref
        margin = datetime.timedelta(seconds=k2k.MIN_TOKEN_LIFE)
        usable = ref.expires - ref.issued - margin
        left = (timeutils.normalize_time(ref.expires) - margin -
                timeutils.utcnow())
        return (left < usable * REFRESH_AHEAD and
                self.home_expires_at > ref.expires)

    def to_primitive(self) -> dict:
        """What another process needs to use it: see :meth:`adopt`.

        Holds the foreign token: a bearer token, never to be logged.
        """
        return {'service_provider': self.auth.service_provider,
                'project_id': self.project_id,
                'auth_url': self.keystone_endpoint,
                'identity_provider': self.identity_provider,
                'auth_token': self.auth.auth_ref.auth_token,
                'body': self.auth.auth_ref._data,
                'home_expires_at': self.home_expires_at.isoformat()}

    @classmethod
    def adopt(cls, context: nova_context.RequestContext,
              primitive: dict) -> 'FederatedIdentity':
        """The identity another process federated for ``context``.

        It authenticates again from ``context``'s home token, as one of
        this process's own, once its token is refused or expires.
        """
        auth = k2k.FederatedAuth(home.home_auth(context),
                                 primitive['service_provider'],
                                 project_id=primitive['project_id'])
        auth.auth_url = primitive['auth_url']
        auth.identity_provider = primitive['identity_provider']
        auth.auth_ref = access.create(body=primitive['body'],
                                      auth_token=primitive['auth_token'])
        return cls(auth, _session(auth), timeutils.parse_isotime(
            primitive['home_expires_at']), adopted=True)

    @staticmethod
    def primitive_expires_at(primitive: dict) -> datetime.datetime:
        """When the foreign token of a primitive expires."""
        return timeutils.parse_isotime(
            primitive['body']['token']['expires_at'])


def _session(auth):
    return ks_loading.load_session_from_conf_options(
        CONF, conf.GROUP.name, auth=auth)


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
        #: identities being exchanged again ahead of their expiry
        self._refreshing: set[tuple] = set()

    def _keystone(self, service_provider: str) -> _Keystone | None:
        with self._lock:
            endpoint = self._sp_endpoints.get(service_provider)
            return endpoint and self._keystones[endpoint]

    def _cached(self, context, service_provider, project_id):
        keystone = self._keystone(service_provider)
        identity = None
        if keystone is not None:
            key = _identity_key(context, project_id)
            identity = keystone.identities.get(key)
            if identity is not None and identity.expiring():
                keystone.identities.pop(key)
                identity = None
        newer = self._adopt(context, service_provider, project_id, identity)
        if newer is not None:
            return newer
        if identity is not None and not identity.adopted and identity.due():
            self._refresh(context, service_provider, project_id)
        return identity

    def _adopt(self, context, service_provider, project_id, cached):
        """The identity the request carries, if good and newer than ours.

        nova-api exchanges again before its identity expires, and its
        requests bring the new one: a process that adopted the old one
        takes it rather than exchange.
        """
        found = carried.find(context, service_provider, project_id)
        if found is None or found is cached:
            return None
        expires_at = (found.expires_at if isinstance(found, FederatedIdentity)
                      else FederatedIdentity.primitive_expires_at(found))
        if cached is not None and expires_at <= cached.expires_at:
            return None
        if not isinstance(found, FederatedIdentity):
            found = FederatedIdentity.adopt(context, found)
        if found.expiring():
            carried.drop(context, service_provider, project_id)
            return None
        LOG.debug('Adopted the K2K identity of user %(user)s at service '
                  'provider %(sp)s, project %(project)s, that the request '
                  'carries', {'user': context.user_id, 'sp': service_provider,
                              'project': found.project_id})
        self._store(context, service_provider, found, project_id)
        return found

    def _refresh(self, context, service_provider, project_id):
        """Exchange again in the background; the cache gets the new one."""
        key = (service_provider,) + _identity_key(context, project_id)
        with self._lock:
            if key in self._refreshing:
                return
            self._refreshing.add(key)

        def refresh():
            try:
                with self._one_exchange(key):
                    self._exchange(context, service_provider, project_id)
            except Exception as exc:
                # The old identity serves until it expires; then a request
                # exchanges itself, and fails with the reason if it must.
                LOG.warning('K2K exchange ahead of expiry failed at service '
                            'provider %(sp)s: %(exc)s',
                            {'sp': service_provider, 'exc': exc})
            finally:
                with self._lock:
                    self._refreshing.discard(key)

        self._spawn(refresh)

    @staticmethod
    def _spawn(func):
        threading.Thread(target=func, daemon=True).start()

    @contextlib.contextmanager
    def _one_exchange(self, key):
        """One exchange at a time per identity: the others wait for it."""
        with self._lock:
            lock = self._building.setdefault(key, threading.Lock())
        with lock:
            try:
                yield
            finally:
                # Waiters hold the lock already; later callers find the
                # cache. Keeps _building as small as the exchanges running.
                with self._lock:
                    if self._building.get(key) is lock:
                        del self._building[key]

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
        if identity is None:
            identity = self._exchange_once(context, service_provider,
                                           project_id)
        if not home.acts_as_nova(context):
            # Nova's own identity stays in this process.
            carried.carry(context, service_provider, identity)
        return identity

    def _exchange_once(self, context, service_provider, project_id):
        key = (service_provider,) + _identity_key(context, project_id)
        with self._one_exchange(key):
            # Another thread may have finished the exchange meanwhile.
            identity = self._cached(context, service_provider, project_id)
            if identity is None:
                identity = self._exchange(context, service_provider,
                                          project_id)
        return identity

    def _exchange(self, context, service_provider, project_id):
        home_auth = home.home_auth(context)
        auth = k2k.FederatedAuth(home_auth, service_provider,
                                 project_id=project_id)
        session = _session(auth)
        try:
            auth.get_access(session)
        except ksa_exception.ClientException as exc:
            raise exception.ForeignAuthFailed(
                service_provider=service_provider, reason=exc)
        identity = FederatedIdentity(auth, session,
                                     home_auth.auth_ref.expires)
        LOG.info('K2K exchange done for user %(user)s at service provider '
                 '%(sp)s, project %(project)s',
                 {'user': context.user_id, 'sp': service_provider,
                  'project': identity.project_id})
        self._store(context, service_provider, identity, project_id)
        return identity

    def _store(self, context, service_provider, identity, project_id):
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
        """Drop the identity of ``context`` at ``where``.

        The cached one, and the one the request carries: the next call
        exchanges again.
        """
        carried.drop(context, where.service_provider, where.project_id)
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
