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

"""Each of the three Keystones down around an attach or a detach.

BU's Keystone and Cinder: the two-cloud fault tests, inherited (a 400
naming ``bu``, nothing changed anywhere, the retry succeeds); their new
user of the project is a new MOC user, logged in at NU by K2K before the
outage. MOC's Keystone: NU's Nova never needs it, the attach and the
detach go through. NU's Keystone: NU's Nova cannot check the user's
token (503, from keystonemiddleware, stock).
"""

from tests.integration import test_faults
from tests.integration3 import base

MOC_KEYSTONE = 'keystone-moc'
NU_KEYSTONE = 'keystone-home-uwsgi'


class TestFaults(base.TestCase, test_faults.TestFaults):

    def _wait_at_bu(self, volume, status):
        """Wait for the volume's status, as BU's admin.

        MOC's user's own view of BU needs MOC: BU's tokens live 150 s,
        and keystoneauth renews them by K2K.
        """
        self.clients.wait(
            lambda: self.clients.volume('foreign-admin', volume)['status'],
            status, 'volume %s at BU' % volume)

    def test_attach_and_detach_while_moc_keystone_down(self):
        volume = self.volume('foreign')
        server = self.boot()
        session = self.home_user('member', 'demo')
        session.get_token()   # logged in at NU before the outage
        self.down(MOC_KEYSTONE)
        resp = self.request_attach(server, volume, session)
        self.assertEqual(200, resp.status_code, resp.text)
        self._wait_at_bu(volume, 'in-use')
        self.assertForeignAttached(server, volume)
        self.assertEqual(202, self.request_detach(
            server, volume, session).status_code)
        self._wait_at_bu(volume, 'available')
        self.clients.wait(lambda: self.home_attachments(server), {},
                          'server %s attachments' % server)
        self.assertForeignAvailable(volume)

    def test_attach_while_nu_keystone_down(self):
        """NU's Nova cannot check the user's token: a 503, nothing changed.

        Keystone's middleware answers before mixmatch runs; the attach
        goes through once NU's Keystone is back.
        """
        volume = self.volume('foreign')
        server = self.boot()
        session = self.home_user('member', 'demo')
        session.get_token()   # logged in at NU before the outage
        self.down(NU_KEYSTONE)
        resp = self.request_attach(server, volume, session)
        self.back_up()
        self.assertEqual(503, resp.status_code, resp.text)
        self.assertIn('Keystone service is temporarily unavailable',
                      resp.text)
        self.assertNothingAttached(server, volume)
        self.wait_server(server, 'ACTIVE')
        self.attach_foreign(server, volume, session)
        self.assertForeignAttached(server, volume)
