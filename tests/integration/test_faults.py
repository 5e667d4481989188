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

"""The foreign Keystone or Cinder goes down around an attach or a detach.

The user gets a clear 4xx, and nothing changes in either cloud: no BDM,
no reservation or attachment at the SP on a failed attach; the volume
still attached in both views on a failed detach. Once the service is
back, the same request succeeds.

A K2K identity already cached in nova-api needs no foreign Keystone, and
the foreign Cinder caches token validations: the Keystone cases act as a
new home user of the demo project, whose first request must federate.
These tests stop services, so each runs alone (DISRUPTIVE).
"""

from tests.integration import base

KEYSTONE = 'keystone-foreign-uwsgi'
CINDER = 'cinder-foreign'


class TestFaults(base.TestCase):

    DISRUPTIVE = True

    def setUp(self):
        super().setUp()
        self.stopped = []

    def down(self, service):
        """Stop service; back_up starts it again, at cleanup at latest."""
        self.sb.stop(service)
        self.stopped.append(service)
        self.addCleanup(self.back_up)

    def back_up(self):
        """Start the stopped services again, as they were started."""
        while self.stopped:
            self.sb.restart(self.stopped.pop())

    def assertRefused(self, resp, *words):
        self.assertTrue(400 <= resp.status_code < 500,
                        '%d %s' % (resp.status_code, resp.text))
        for word in words:
            self.assertIn(word, resp.text)

    def assertNothingAttached(self, server, volume):
        self.assertEqual({}, self.home_attachments(server))
        self.assertForeignAvailable(volume)

    def _attach_while_down(self, service, session=None):
        volume = self.volume('foreign')
        server = self.boot()
        self.down(service)
        resp = self.request_attach(server, volume, session)
        self.back_up()
        self.assertRefused(resp, self.SERVICE_PROVIDER)
        self.assertNothingAttached(server, volume)
        # the server is fine, and the attach goes through now
        self.wait_server(server, 'ACTIVE')
        self.assertEqual(200, self.request_attach(
            server, volume, session).status_code)
        self.clients.wait_volume('foreign', volume, 'in-use')
        self.assertForeignAttached(server, volume)
        return resp

    def _detach_while_down(self, service, session=None):
        server, volume = self.attached_server()
        attachment = self.home_attachments(server)[volume]
        self.down(service)
        resp = self.request_detach(server, volume, session)
        self.back_up()
        self.assertRefused(resp, self.SERVICE_PROVIDER)
        self.assertDetachRetried(server, volume, attachment, session)
        return resp

    def test_attach_while_foreign_cinder_down(self):
        self._attach_while_down(CINDER)

    def test_attach_while_foreign_keystone_down(self):
        self._attach_while_down(KEYSTONE, self.home_user('member', 'demo'))

    def test_detach_while_foreign_cinder_down(self):
        self._detach_while_down(CINDER)

    def test_detach_while_foreign_keystone_down(self):
        self._detach_while_down(KEYSTONE, self.home_user('member', 'demo'))
