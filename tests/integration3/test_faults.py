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

"""Each of the three Keystones down around an attach or a detach, and
what an attached server survives.

BU's Keystone and Cinder: the two-cloud fault tests, inherited (a 400
naming ``bu``, nothing changed anywhere, the retry succeeds); their new
user of the project is a new MOC user, logged in at NU by K2K before the
outage. MOC's Keystone: NU's Nova never needs it, the attach and the
detach go through. NU's Keystone: NU's Nova cannot check a token it has
not seen (503, from keystonemiddleware, before Nova or mixmatch runs);
with a token it checked before the outage, of a user it federated at BU
already, the detach and the attach go through. After each, every
cloud's own API is asked (base).
"""

from tests.integration import test_faults
from tests.integration3 import base

MOC_KEYSTONE = 'keystone-moc'
NU_KEYSTONE = 'keystone-home-uwsgi'
BU_KEYSTONE = test_faults.KEYSTONE
#: keystonemiddleware's explanation when it cannot reach its Keystone
NU_KEYSTONE_DOWN = 'The Keystone service is temporarily unavailable'


class TestFaults(base.TestCase, test_faults.TestFaults):

    def _wait_at_bu(self, volume, status):
        """Wait for the volume's status, as BU's admin.

        MOC's user's own view of BU needs MOC: BU's tokens live 150 s,
        and keystoneauth renews them by K2K.
        """
        self.clients.wait(
            lambda: self.clients.volume('foreign-admin', volume)['status'],
            status, 'volume %s at BU' % volume)

    # Checked as NU's Nova and BU's admin see it, which need neither MOC
    # nor (with a token NU's Nova checked already) NU's Keystone.

    def _attach_goes_through(self, server, volume, session=None):
        resp = self.request_attach(server, volume, session)
        self.assertEqual(200, resp.status_code, resp.text)
        self._wait_at_bu(volume, 'in-use')
        attachment = self.home_attachments(server)[volume]
        self.assertEqual([(server, attachment)], [
            (a['instance'], a['id'])
            for a in self.foreign_attachments(volume)])
        return attachment

    def _detach_goes_through(self, server, volume, session=None):
        self.assertEqual(202, self.request_detach(
            server, volume, session).status_code)
        self._wait_at_bu(volume, 'available')
        self.clients.wait(lambda: self.home_attachments(server), {},
                          'server %s attachments' % server)
        self.assertEqual([], self.foreign_attachments(volume))

    def test_attach_and_detach_while_moc_keystone_down(self):
        """By a MOC user logged in at NU before, never federated at BU.

        NU's Nova federates it by chained K2K, which needs no MOC.
        """
        volume = self.volume('foreign')
        server = self.boot()
        session = self.home_user('member', 'demo')
        session.get_token()   # logged in at NU before the outage
        self.down(MOC_KEYSTONE)
        self._attach_goes_through(server, volume, session)
        self._detach_goes_through(server, volume, session)
        self.back_up()
        self.assertForeignAvailable(volume)

    def test_detach_and_attach_known_token_while_nu_keystone_down(self):
        """NU's Nova checked the demo user's token before the outage.

        keystonemiddleware keeps a checked token (five minutes) and
        nova_mixmatch the user's identity at BU (the attach before the
        outage made it): neither needs NU's Keystone again.
        """
        server, volume = self.attached_server()
        self.down(NU_KEYSTONE)
        self._detach_goes_through(server, volume)
        attachment = self._attach_goes_through(server, volume)
        self.wait_server(server, 'ACTIVE')
        self.back_up()
        self.assertEqual(attachment,
                         self.assertForeignAttached(server, volume))

    def assertNuKeystoneDown(self, resp):
        """keystonemiddleware's answer, as to any call of NU's Nova.

        NU's own identity service is down: a 503, retryable, the same as
        a server list's, not a 400 blaming the request.
        """
        self.assertEqual(503, resp.status_code, resp.text)
        self.assertIn(NU_KEYSTONE_DOWN, resp.text)

    def _new_token_while_nu_keystone_down(self, request, session):
        """request(session) and a server list: keystonemiddleware's 503.

        With a token NU's Nova has not seen, while NU's Keystone is down.
        """
        self.down(NU_KEYSTONE)
        resp = request(session)
        listed = session.get(self.clients.nova + '/servers',
                             raise_exc=False)
        self.back_up()
        self.assertNuKeystoneDown(resp)
        self.assertNuKeystoneDown(listed)

    def test_attach_new_token_while_nu_keystone_down(self):
        """A 503 before Nova runs, nothing changed; the retry attaches."""
        volume = self.volume('foreign')
        server = self.boot()
        session = self.home_user('member', 'demo')
        session.get_token()   # logged in at NU before the outage
        self._new_token_while_nu_keystone_down(
            lambda s: self.request_attach(server, volume, s), session)
        self.assertNothingAttached(server, volume)
        self.wait_server(server, 'ACTIVE')
        self.attach_foreign(server, volume, session)
        self.assertForeignAttached(server, volume)

    def test_detach_new_token_while_nu_keystone_down(self):
        """A 503 before Nova runs, still attached; the retry detaches."""
        server, volume = self.attached_server()
        attachment = self.home_attachments(server)[volume]
        session = self.home_user('member', 'demo')
        session.get_token()   # logged in at NU before the outage
        self._new_token_while_nu_keystone_down(
            lambda s: self.request_detach(server, volume, s), session)
        self.assertDetachRetried(server, volume, attachment, session)

    def _survives(self, service):
        """An attached server while service is down: it stays ACTIVE.

        A soft reboot (which asks each Cinder for the server's
        attachments) brings it back ACTIVE; afterwards every cloud still
        has the same attachment. The demo user's token is one NU's Nova
        checked before the outage.
        """
        server, volume = self.attached_server()
        attachment = self.home_attachments(server)[volume]
        self.down(service)
        self.assertEqual('ACTIVE', self.clients.server(server)['status'])
        self.action(server, 'reboot', {'type': 'SOFT'})
        self.wait_server(server, 'ACTIVE')
        self.assertEqual({volume: attachment}, self.home_attachments(server))
        self.back_up()
        self.assertEqual(attachment,
                         self.assertForeignAttached(server, volume))

    def test_attached_server_survives_moc_keystone_down(self):
        self._survives(MOC_KEYSTONE)

    def test_attached_server_survives_nu_keystone_down(self):
        self._survives(NU_KEYSTONE)

    def test_attached_server_survives_bu_keystone_down(self):
        self._survives(BU_KEYSTONE)
