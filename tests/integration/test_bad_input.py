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

"""Attach requests that must be refused, with nothing changed anywhere.

Unknown, disabled and not allowed service providers and malformed ids are
in test_two_clouds and in the functional fuzz; here the refusals that
need the real SP: its projects, its volumes and its Cinder's rules.
"""

from tests.integration import base


class TestBadInput(base.TestCase):

    def assertRefused(self, status, words, resp):
        self.assertEqual(status, resp.status_code, resp.text)
        self.assertIn(words, resp.text)

    def assertUntouched(self, server, volume):
        self.assertEqual({}, self.home_attachments(server))
        self.assertForeignAvailable(volume)

    def test_remote_project_the_user_cannot_reach(self):
        volume = self.volume('foreign')
        server = self.boot()
        admin, _ = self.clients.cinder('foreign-admin')
        resp = self.request_attach(server, volume,
                                   remote_project=admin.get_project_id())
        self.assertRefused(400, 'is not available to you at service '
                                'provider foreign', resp)
        self.assertUntouched(server, volume)

    def test_volume_of_another_project_at_the_sp(self):
        s, url = self.clients.cinder('foreign-admin')
        volume = s.post(url + '/volumes', json={'volume': {
            'name': self.name(), 'size': 1}}).json()['volume']['id']
        self.addCleanup(s.delete, url + '/volumes/' + volume)
        self.clients.wait_volume('foreign-admin', volume, 'available')
        server = self.boot()
        self.assertRefused(404, 'could not be found',
                           self.request_attach(server, volume))
        self.assertUntouched(server, volume)

    def test_volume_already_attached(self):
        """Not multiattach: Cinder's rule, as for a home volume."""
        server, volume = self.attached_server()
        attachment = self.home_attachments(server)[volume]
        other = self.boot()
        resp = self.request_attach(other, volume)
        self.assertRefused(400, 'is already attached to instances', resp)
        self.assertEqual({}, self.home_attachments(other))
        self.assertEqual(attachment,
                         self.assertForeignAttached(server, volume))

    def test_user_without_the_role(self):
        """A reader of the project may not attach (Nova's own policy)."""
        volume = self.volume('foreign')
        server = self.boot()
        reader = self.home_user('reader', 'demo')
        resp = self.request_attach(server, volume, session=reader)
        self.assertRefused(403, "Policy doesn't allow", resp)
        self.assertUntouched(server, volume)
