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

"""Keystone-to-Keystone auth of a home identity at one project of a
service provider.

keystoneauth1's :class:`~keystoneauth1.identity.v3.Keystone2Keystone`
does the SAML exchange; this module adds what a cross-cloud caller needs
on top: the remote project chosen explicitly or unambiguously, never "the
first one", and the home cloud's identity provider id at the provider.
"""

import re

from keystoneauth1.access import AccessInfo
from keystoneauth1 import exceptions as ksa_exception
from keystoneauth1 import identity
from keystoneauth1 import plugin
from keystoneauth1 import session as ks_session
import requests

from mixmatch_federation import exception

__all__ = ['MIN_TOKEN_LIFE', 'FederatedAuth', 'remote_projects']

#: Refuse a cached token with less life than this many seconds
#: (keystoneauth's own margin before it re-authenticates).
MIN_TOKEN_LIFE = 120
#: Keystone's federated auth URL names the identity provider, as the
#: service provider registered it (OS-FEDERATION API).
_IDP_IN_AUTH_URL = re.compile(r'/OS-FEDERATION/identity_providers/([^/]+)/')
_PAOS = {'Content-Type': 'application/vnd.paos+xml'}


class FederatedAuth(identity.v3.Keystone2Keystone):
    """K2K to one project at a service provider.

    Without ``project_id`` it picks the only project the federated user has
    there, and refuses to guess between several. With one, it checks the
    user may use it, so that both cases fail with the list of choices.

    :param home: the home identity; its token must be project-scoped, so
        that the home Keystone lists the service providers.
    :param service_provider: the service provider id in the home Keystone.
    :param project_id: the project at the service provider, or None.
    :raises: on authentication, a
        :class:`~mixmatch_federation.exception.MixmatchError`: the service
        provider is unknown or disabled, or the project is unavailable or
        ambiguous; keystoneauth's own errors for the exchange itself.
    """

    def __init__(self, home: plugin.BaseAuthPlugin, service_provider: str,
                 project_id: str | None = None) -> None:
        super().__init__(home, service_provider, project_id=project_id)
        #: The home cloud's identity provider id at the service provider
        #: (what its Cinder knows the home cloud by), once authenticated.
        self.identity_provider: str | None = None

    @property
    def home(self) -> plugin.BaseAuthPlugin:
        return self._local_cloud_plugin

    @property
    def service_provider(self) -> str:
        return self._sp_id

    def get_unscoped_auth_ref(self, session: ks_session.Session
                              ) -> AccessInfo:
        # keystoneauth asserts, rather than raises, when the home token does
        # not list the provider (unknown or disabled): check first.
        home = self.home.get_access(session)
        try:
            auth_url = home.service_providers.get_auth_url(self._sp_id)
        except ksa_exception.ServiceProviderNotFound:
            raise exception.ServiceProviderNotFound(
                service_provider=self._sp_id)
        match = _IDP_IN_AUTH_URL.search(auth_url)
        self.identity_provider = match and match.group(1)
        unscoped = super().get_unscoped_auth_ref(session)
        self.project_id = self._choose_project(session, unscoped)
        return unscoped

    def _send_service_provider_ecp_authn_response(
            self, session: ks_session.Session, sp_url: str,
            sp_auth_url: str) -> requests.Response:
        # The provider answers the assertion with a session cookie, named
        # alike for every user, and keystoneauth keeps it in the session's
        # cookie jar. An exchange of another identity over the same session
        # (a service token wrapper shares the user's) may replace it before
        # the second request, which would then come back with the other
        # identity's token: present this exchange's own cookie.
        response = session.post(
            sp_url, headers=_PAOS, data=self._get_ecp_assertion(session),
            authenticated=False, redirect=False)
        if response.status_code in (self.HTTP_MOVED_TEMPORARILY,
                                    self.HTTP_SEE_OTHER):
            response = session.get(sp_auth_url, headers=_PAOS,
                                   authenticated=False,
                                   cookies=response.cookies)
        return response

    def _choose_project(self, session: ks_session.Session,
                        unscoped: AccessInfo) -> str:
        choices = [p['id'] for p in remote_projects(
            session, self.auth_url, unscoped.auth_token)]
        if self.project_id in choices:
            return self.project_id
        if self.project_id is not None:
            raise exception.RemoteProjectUnavailable(
                project_id=self.project_id, service_provider=self._sp_id,
                choices=', '.join(choices) or 'none')
        if len(choices) != 1:
            raise exception.RemoteProjectAmbiguous(
                count=len(choices), service_provider=self._sp_id,
                choices=', '.join(choices) or 'none')
        return choices[0]


def remote_projects(session: ks_session.Session, auth_url: str,
                    unscoped_token: str) -> list[dict]:
    """The projects a federated user may scope to, sorted by id.

    :param auth_url: the service provider's Keystone v3 URL.
    :param unscoped_token: the user's unscoped token there.
    :returns: Keystone's project references (``id``, ``name``...).
    """
    resp = session.get(auth_url.rstrip('/') + '/auth/projects',
                       headers={'X-Auth-Token': unscoped_token},
                       authenticated=False)
    return sorted(resp.json()['projects'], key=lambda p: p['id'])
