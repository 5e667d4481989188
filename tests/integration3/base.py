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

"""Tests against the three-cloud sandbox (``mixmatch-sandbox up --clouds
3``), brought up if it is not running, as MOC's demo user.

MOC is a Keystone, the identity provider of NU (the sandbox's home cloud:
Nova) and BU (its foreign cloud: Cinder). The user's password is MOC's
only; NU's Nova reaches the BU volume with the user's NU token, by
chained K2K. MIXMATCH_SANDBOX_DIR must name a state directory of its own
(tox -e integration3: .sandbox3).
"""

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session

from mixmatch_sandbox import clouds
from mixmatch_sandbox.clouds import foreign
from mixmatch_sandbox.clouds import moc
from mixmatch_sandbox import credentials
from mixmatch_sandbox import demo
from mixmatch_sandbox import seed
from tests.integration import base

#: MOC's demo's project at NU and at BU, in domain moc (the default mapping)
PROJECT = demo.K2K_PROJECT


class TestCase(base.TestCase):

    CLOUDS = 3
    CLIENTS = demo.MocClients
    SERVICE_PROVIDER = moc.BU

    def home_user(self, role, project):
        """A session at NU of a new MOC user with role on MOC's project.

        By K2K from MOC, as MOC's demo's; the user is deleted at cleanup.
        """
        name = self.name()
        seed.ensure_user(self.sb.keystone(moc.CLOUD), self.sb, moc.CLOUD,
                         name, project, [role])
        admin = credentials.admin_session(self.sb, moc.CLOUD)
        keystone = self.sb.keystone_url(moc.CLOUD)
        user = admin.get(keystone + '/users', params={'name': name}).json()[
            'users'][0]['id']
        self.addCleanup(admin.delete, keystone + '/users/' + user)
        return demo.MocClients(self.sb, name, project).home

    def at_bu(self, auth, project_name=None, project_id=None,
              domain=moc.CLOUD, sp=moc.BU):
        """A session at BU by K2K from auth, scoped as asked."""
        if project_id:
            plugin = v3.Keystone2Keystone(auth, sp, project_id=project_id)
        else:
            plugin = v3.Keystone2Keystone(auth, sp,
                                          project_name=project_name,
                                          project_domain_name=domain)
        return ks_session.Session(auth=plugin)

    def bu_token(self, session):
        """BU's Keystone's own description of session's token."""
        admin = credentials.admin_session(self.sb, foreign.CLOUD)
        return admin.get(
            self.sb.keystone_url(foreign.CLOUD) + '/auth/tokens',
            headers={'X-Subject-Token': session.get_token()}).json()['token']

    # every cloud's own view

    def assertMocSees(self, volume, status, servers):
        """MOC's user, by its own K2K to BU, sees volume so."""
        seen = self.clients.volume('foreign', volume)
        self.assertEqual((status, servers),
                         (seen['status'],
                          [a['server_id'] for a in seen['attachments']]))

    def assertNotAtNu(self, volume):
        """NU's own Cinder has never heard of the BU volume."""
        s, url = self.clients.cinder(clouds.HOME)
        self.assertEqual(404, s.get(url + '/volumes/' + volume,
                                    raise_exc=False).status_code)

    def assertForeignAttached(self, server, volume):
        """NU's Nova and BU's Cinder agree (tests.integration).

        And so do MOC's user's own view of BU and NU's Cinder (no such
        volume).
        """
        attachment = super().assertForeignAttached(server, volume)
        self.assertMocSees(volume, 'in-use', [server])
        self.assertNotAtNu(volume)
        return attachment

    def assertForeignAvailable(self, volume):
        super().assertForeignAvailable(volume)
        self.assertMocSees(volume, 'available', [])
        self.assertNotAtNu(volume)
