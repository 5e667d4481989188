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

"""The user's clouds: home and every K2K service provider of its Keystone.

"The user queries all keystones": the service providers are the ones the
home token lists, each reached by Keystone-to-Keystone from the identity
of the command line (one K2K exchange per provider, then a rescope per
project the user has there). They are queried in parallel; one that fails
is reported with its reason and the others still answer, as Nova lists
servers while a cell is down.
"""

import concurrent.futures
import dataclasses

from keystoneauth1 import access
from keystoneauth1 import adapter
from keystoneauth1 import exceptions as ksa_exceptions
from keystoneauth1 import identity
from keystoneauth1.identity import access as access_plugin
from keystoneauth1 import plugin
from keystoneauth1 import session as ks_session

from mixmatch_federation import exception
from mixmatch_federation import k2k

#: How the home cloud is named where a provider is. Service provider ids
#: cannot contain parentheses, so it never clashes with one.
HOME = '(home)'
#: Cinder's catalog type; keystoneauth matches its aliases (volumev3).
BLOCK_STORAGE = 'block-storage'
#: Glance's catalog type.
IMAGE = 'image'
#: What makes a cloud unavailable rather than the command fail.
FAILURES = (ksa_exceptions.ClientException, exception.MixmatchError)


@dataclasses.dataclass(frozen=True)
class Scope:
    """A project of the user in one cloud, with a session scoped to it."""

    provider: str
    project_id: str
    project_name: str
    session: ks_session.Session
    interface: str = 'public'
    region_name: str = None

    def block_storage(self):
        """An adapter for Cinder v3 of this project."""
        return self._adapter(BLOCK_STORAGE)

    def image(self):
        """An adapter for Glance (paths from /v2) of this project."""
        return self._adapter(IMAGE)

    def _adapter(self, service_type):
        return adapter.Adapter(self.session, service_type=service_type,
                               interface=self.interface,
                               region_name=self.region_name)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a project of a cloud answered, or why the cloud did not."""

    provider: str
    scope: Scope = None
    value: object = None
    error: str = None


def add_service_provider_option(parser, help):
    """``--service-provider``, repeatable: the providers a command asks.

    Without it, a command asks the home cloud and every provider.
    """
    parser.add_argument('--service-provider', metavar='<service-provider>',
                        dest='service_providers', action='append',
                        help=help)


def reason(exc):
    """One line that says why a cloud did not answer."""
    if isinstance(exc, ksa_exceptions.ConnectFailure):
        # keystoneauth appends the whole urllib3 chain after the URL.
        return str(exc).partition(': ')[0]
    return ' '.join(str(exc).split())


class Clouds:
    """The clouds of a home identity.

    :param session: a keystoneauth session of the home cloud, its auth
        scoped to a project (the identity provider signs assertions only
        for project-scoped tokens).
    :param cache: a :class:`~mixmatch_client.cache.K2KCache`, or None.
    """

    def __init__(self, session, interface='public', region_name=None,
                 cache=None):
        self._home = session
        self._cache = cache
        self._interface = interface
        self._region_name = region_name
        self._token = None
        self._service_providers = None

    def _session(self, auth):
        """A session like the home one (TLS settings) for another auth."""
        return ks_session.Session(
            auth=auth, verify=self._home.verify, cert=self._home.cert,
            timeout=self._home.timeout, app_name='mixmatch')

    def home(self):
        ref = self._home.auth.get_access(self._home)
        return Scope(HOME, ref.project_id, ref.project_name,
                     self._home, self._interface, self._region_name)

    def _home_token(self):
        """The home token as the home Keystone describes it now.

        Its list of service providers is current (one registered after the
        token was issued is there) and it is the base of the K2K
        exchanges, so the providers listed are the ones K2K can reach.
        """
        if self._token is None:
            token = self._home.get_token()
            resp = self._home.get(
                '/auth/tokens', headers={'X-Subject-Token': token},
                endpoint_filter={'service_type': 'identity',
                                 'interface': plugin.AUTH_INTERFACE,
                                 'version': (3, 0)})
            self._service_providers = sorted(
                sp['id'] for sp in resp.json()['token'].get(
                    'service_providers', ()))
            self._token = access_plugin.AccessInfoPlugin(
                access.create(resp=resp),
                auth_url=self._home.get_endpoint(
                    interface=plugin.AUTH_INTERFACE))
        return self._token

    def service_providers(self):
        """Ids of the service providers of the home token, sorted."""
        self._home_token()
        return self._service_providers

    def _check_listed(self, service_provider):
        if service_provider not in self.service_providers():
            raise exception.ServiceProviderNotFound(
                service_provider=service_provider)

    def projects(self, service_provider):
        """A scope per project of the user at ``service_provider``.

        One K2K exchange (or its unscoped token from the cache) gives an
        unscoped token there; it is rescoped to each project when first
        used.
        """
        home = self._home_token()
        key = (home.auth_url, home.auth_ref.user_id,
               home.auth_ref.project_id, service_provider)
        cached = self._cache.load(key) if self._cache else None
        try:
            return self._projects(service_provider, key, cached)
        except ksa_exceptions.Unauthorized:
            if not cached:
                raise
            # Refused since it was cached (revoked): exchange again.
            self._cache.forget(key)
            return self._projects(service_provider, key, None)

    def _projects(self, service_provider, key, cached):
        unscoped = identity.v3.Keystone2Keystone(self._home_token(),
                                                 service_provider)
        try:
            if cached:
                unscoped.set_unscoped_auth_state(cached['state'])
                # Only the exchange sets it, and the cache skips that.
                unscoped.auth_url = cached['auth_url']
        except (KeyError, TypeError, ValueError):
            unscoped.set_unscoped_auth_state(None)   # not ours: exchange
        session = self._session(unscoped)
        token = session.get_token()
        projects = k2k.remote_projects(session, unscoped.auth_url, token)
        if self._cache:
            self._cache.save(key, {
                'auth_url': unscoped.auth_url,
                'state': unscoped.get_unscoped_auth_state()})
        return [Scope(service_provider, project['id'], project['name'],
                      self._session(identity.v3.Token(
                          unscoped.auth_url, token,
                          project_id=project['id'])))
                for project in projects]

    def federate(self, service_provider, project_id=None):
        """The scope a cross-cloud attach would use at ``service_provider``.

        ``project_id``, or else the user's only project there, as Nova's
        side of mixmatch chooses it
        (:class:`mixmatch_federation.k2k.FederatedAuth`).

        :raises: one of :data:`FAILURES`, which says why.
        """
        self._check_listed(service_provider)
        auth = k2k.FederatedAuth(self._home_token(), service_provider,
                                 project_id=project_id)
        session = self._session(auth)
        ref = auth.get_access(session)
        return Scope(service_provider, ref.project_id, ref.project_name,
                     session)

    def query(self, func, service_providers=None, home=None):
        """``func(scope)`` in each project of each cloud, in parallel.

        :param service_providers: only these service providers; default:
            every one the home token lists.
        :param home: whether to query the home cloud too; default: when
            no service provider is named.
        :returns: a list of :class:`Outcome`, home first, then by provider
            in the order given and by project id.
        """
        # Read the home token once, before the threads share it.
        listed = self.service_providers()
        if home is None:
            home = service_providers is None
        providers = [HOME] if home else []
        providers += dict.fromkeys(
            listed if service_providers is None else service_providers)
        if not providers:
            return []
        with concurrent.futures.ThreadPoolExecutor(len(providers)) as pool:
            futures = [pool.submit(self._query, provider, func)
                       for provider in providers]
            return [outcome for future in futures
                    for outcome in future.result()]

    def _query(self, provider, func):
        try:
            if provider == HOME:
                scopes = [self.home()]
            else:
                self._check_listed(provider)
                scopes = self.projects(provider)
        except FAILURES as exc:
            return [Outcome(provider, error=reason(exc))]
        if not scopes:
            return [Outcome(provider, error='no project of yours there')]
        outcomes = []
        for scope in scopes:
            try:
                outcomes.append(Outcome(provider, scope, func(scope)))
            except FAILURES as exc:
                outcomes.append(Outcome(provider, scope, error=reason(exc)))
        return outcomes
