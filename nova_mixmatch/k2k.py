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

"""Keystone-to-Keystone auth of a home identity at a service provider."""

import re

from keystoneauth1 import identity
from keystoneauth1 import loading as ks_loading

from nova_mixmatch import conf
from nova_mixmatch import exception

CONF = conf.CONF
#: Refuse a cached token with less life than this (keystoneauth's margin).
MIN_TOKEN_LIFE = 120
SERVICE_ROLE = 'service'
#: Keystone's federated auth URL names the identity provider, as the
#: service provider registered it (OS-FEDERATION API).
_IDP_IN_AUTH_URL = re.compile(r'/OS-FEDERATION/identity_providers/([^/]+)/')


def nova_identity_configured():
    """Whether the ``[mixmatch]`` auth options name Nova's own identity."""
    # With auth_section set, keystoneauth registers auth_type in that
    # section, not here: ask for auth_section first.
    return bool(CONF.mixmatch.auth_section or CONF.mixmatch.auth_type)


def acts_as_nova(context):
    """Whether the calls made for ``context`` are Nova's own.

    So are those without a token (periodic tasks), and those made for
    another service, which holds the service role (a provider Cinder's
    events): that caller's identity means nothing at the provider.
    """
    return not context.auth_token or (
        SERVICE_ROLE in (context.roles or ()) and nova_identity_configured())


def home_auth(context):
    """The home identity behind ``context``.

    The user's token, rescoped to its project so that Keystone returns the
    service providers it may use; for Nova's own calls (see
    :func:`acts_as_nova`), Nova's identity from the ``[mixmatch]`` auth
    options.
    """
    if not acts_as_nova(context):
        return identity.v3.Token(auth_url=CONF.mixmatch.home_auth_url,
                                 token=context.auth_token,
                                 project_id=context.project_id)
    auth = ks_loading.load_auth_from_conf_options(CONF, conf.GROUP.name)
    if auth is None:
        raise exception.NoHomeIdentity()
    return auth


class FederatedAuth(identity.v3.Keystone2Keystone):
    """K2K to one project at a service provider.

    Without ``project_id`` it picks the only project the federated user has
    there, and refuses to guess between several. With one, it checks the
    user may use it, so that both cases fail with the list of choices.
    """

    def __init__(self, home, service_provider, project_id=None):
        super().__init__(home, service_provider, project_id=project_id)
        self.identity_provider = None

    @property
    def home(self):
        return self._local_cloud_plugin

    def get_unscoped_auth_ref(self, session):
        # keystoneauth asserts, rather than raises, when the home token does
        # not list the provider (unknown or disabled): check first.
        home = self.home.get_access(session)
        match = _IDP_IN_AUTH_URL.search(
            home.service_providers.get_auth_url(self._sp_id))
        # The home cloud's id at the provider: what its Cinder knows us by.
        self.identity_provider = match and match.group(1)
        unscoped = super().get_unscoped_auth_ref(session)
        self.project_id = self._choose_project(session, unscoped)
        return unscoped

    def _choose_project(self, session, unscoped):
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


def remote_projects(session, auth_url, unscoped_token):
    """The projects a federated user may scope to, sorted by id.

    :param auth_url: the service provider's Keystone v3 URL.
    :param unscoped_token: the user's unscoped token there.
    """
    resp = session.get(auth_url.rstrip('/') + '/auth/projects',
                       headers={'X-Auth-Token': unscoped_token},
                       authenticated=False)
    return sorted(resp.json()['projects'], key=lambda p: p['id'])
