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

"""What BU trusts NU for, and what NU cannot do at BU.

README, "Three clouds: the trust model": each refusal is a request that
must fail.
"""

import uuid

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session

from mixmatch_sandbox import clouds
from mixmatch_sandbox.clouds import federation
from mixmatch_sandbox.clouds import foreign
from mixmatch_sandbox.clouds import moc
from mixmatch_sandbox import credentials
from mixmatch_sandbox import demo
from tests.integration import base as integration_base
from tests.integration3 import base

PROJECT = base.PROJECT


class TestChainedTrust(base.TestCase):

    def moc_project_at_bu(self):
        """The BU project MOC's own K2K gives MOC's demo."""
        return self.bu_token(self.clients.foreign)['project']

    def assertRefused(self, session, status=401):
        """A K2K login (or its scoping) that BU refuses.

        401: BU's mapping maps nothing, or the federated user has no role
        on the project; 403: the assertion is not of the identity
        provider named in the auth URL.
        """
        e = self.assertRaises(ks_exc.HttpError, session.get_token)
        self.assertEqual(status, e.http_status, e)

    def nu_admin(self):
        return credentials.admin_session(self.sb, clouds.HOME)

    def nu(self, path=''):
        return self.sb.keystone_url(clouds.HOME) + path

    def test_chained_identity_at_bu(self):
        """NU's token of MOC's demo becomes a token of BU's own Keystone.

        In the project MOC's own K2K reaches, as ``demo@moc``.
        """
        chained = self.bu_token(self.at_bu(self.clients.home_auth, PROJECT))
        self.assertEqual(self.moc_project_at_bu(), chained['project'])
        self.assertIn('saml2', chained['methods'])
        self.assertEqual(foreign.IDP_ID, chained['user']['OS-FEDERATION'][
            'identity_provider']['id'])
        self.assertEqual('demo@moc', chained['user']['name'])
        self.assertEqual({'member', 'reader'},
                         {r['name'] for r in chained['roles']})

    @integration_base.alone   # a new service provider of NU's, for all
    def test_nu_cannot_sign_for_moc(self):
        """An assertion NU signs is refused where BU expects MOC's.

        NU's admin registers BU's auth URL for identity provider moc as
        a service provider; BU's Shibboleth takes NU's assertion (NU is
        an identity provider of BU's), but Keystone refuses it for moc.
        """
        sp = 'bu-as-moc-' + uuid.uuid4().hex[:6]
        self.addCleanup(federation.unregister_service_provider, self.sb, sp)
        federation.register_service_provider(self.sb, sp, idp=moc.CLOUD)
        # a new NU token lists the new service provider
        clients = demo.MocClients(self.sb)
        self.assertRefused(self.at_bu(clients.home_auth, PROJECT, sp=sp),
                           403)

    def test_nu_own_user_not_in_moc_projects(self):
        """NU's own demo reaches its own project at BU, not MOC's."""
        nu_demo = credentials.password_auth(
            self.sb, clouds.HOME, credentials.DEMO, credentials.DEMO)
        own = self.bu_token(self.at_bu(nu_demo, PROJECT,
                                       domain=foreign.IDP_ID))
        self.assertEqual(foreign.IDP_ID, own['project']['domain']['name'])
        self.assertEqual('demo', own['user']['name'])
        self.assertRefused(self.at_bu(
            nu_demo, project_id=self.moc_project_at_bu()['id']))

    def test_nu_cannot_put_its_user_in_a_moc_project(self):
        """NU's own user in NU's project of MOC's demo: refused at BU.

        NU's admin gives NU's demo a role there; the assertion of its
        token scoped there matches no rule of BU's mapping.
        """
        admin = self.nu_admin()
        project = admin.get(self.nu('/projects'), params={
            'name': PROJECT, 'domain_id': self._nu_moc_domain()}).json()[
                'projects'][0]
        user = admin.get(self.nu('/users'), params={
            'name': credentials.DEMO, 'domain_id': 'default'}).json()[
                'users'][0]
        grant = self.nu('/projects/%s/users/%s/roles/%s' % (
            project['id'], user['id'], self._role('member')))
        admin.put(grant)
        self.addCleanup(admin.delete, grant)
        nu_demo = v3.Password(
            auth_url=self.nu(), username=credentials.DEMO,
            password=credentials.secret(self.sb, clouds.HOME,
                                        credentials.DEMO),
            user_domain_id='default', project_id=project['id'])
        self.assertRefused(self.at_bu(nu_demo, PROJECT))

    def test_no_project_outside_the_k2k_namespace(self):
        """A project of NU's MOC domain that no mapping made: refused.

        NU's admin makes it and gives MOC's demo a role in it; BU maps
        only projects named as mappings name them (``k2k-``).
        """
        admin = self.nu_admin()
        name = 'ghost-' + uuid.uuid4().hex[:6]
        project = admin.post(self.nu('/projects'), json={'project': {
            'name': name, 'domain_id': self._nu_moc_domain()}}).json()[
                'project']
        self.addCleanup(admin.delete, self.nu('/projects/' + project['id']))
        me = self.clients.home.get(self.nu('/auth/tokens'), headers={
            'X-Subject-Token': self.clients.home.get_token()}).json()[
                'token']['user']['id']
        admin.put(self.nu('/projects/%s/users/%s/roles/%s' % (
            project['id'], me, self._role('member'))))
        at_ghost = v3.Keystone2Keystone(self.clients.password_auth, moc.NU,
                                        project_id=project['id'])
        self.assertEqual(project['id'], ks_session.Session(
            auth=at_ghost).get_project_id())
        self.assertRefused(self.at_bu(at_ghost, name))

    def test_chained_user_reaches_no_other_bu_project(self):
        """Not BU's own projects, nor NU's own demo's project there."""
        bu_admin = credentials.admin_session(self.sb, foreign.CLOUD)
        keystone = self.sb.keystone_url(foreign.CLOUD)
        nu_demo = credentials.password_auth(
            self.sb, clouds.HOME, credentials.DEMO, credentials.DEMO)
        others = [self.bu_token(self.at_bu(nu_demo, PROJECT,
                                           domain=foreign.IDP_ID))[
                                               'project']['id']]
        for name in (credentials.ADMIN, credentials.SERVICE_PROJECT):
            others += [p['id'] for p in bu_admin.get(
                keystone + '/projects', params={'name': name}).json()[
                    'projects']]
        self.assertEqual(3, len(others))
        for project_id in others:
            self.assertRefused(self.at_bu(self.clients.home_auth,
                                          project_id=project_id))

    def _nu_moc_domain(self):
        return self.nu_admin().get(self.nu('/domains'), params={
            'name': moc.CLOUD}).json()['domains'][0]['id']

    def _role(self, name):
        return self.nu_admin().get(self.nu('/roles'), params={
            'name': name}).json()['roles'][0]['id']
