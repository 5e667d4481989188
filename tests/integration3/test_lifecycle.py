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

"""The two-cloud lifecycle tests, as MOC's demo user on NU with a BU volume.

Each step is checked in NU's Nova and BU's Cinder (tests.integration).
Moves and offloads are the admin's by Nova's default policy, and NU's
admin is a user of NU's own: BU maps it to NU's projects, never to
MOC's. Nova refuses its moves and its shelve-offload up front (409),
nothing changed.
"""

from tests.integration import test_lifecycle
from tests.integration3 import base


class TestLifecycle(base.TestCase, test_lifecycle.TestLifecycle):

    def test_shelve_offload_unshelve(self):
        """Shelve (the user's own); NU's admin's offload refused; unshelve.

        The offload would re-attach the BU volume with NU's admin's
        token, which BU maps to none of MOC's projects: a 409 naming BU
        before Nova changes anything, the server stays shelved on its
        host with the same attachment.
        """
        server, volume = self.attached_server()
        before = self.home_attachments(server)[volume]
        host = self.host(server)
        self.action(server, 'shelve')
        self.wait_server(server, 'SHELVED')

        resp = self.admin_action(server, 'shelveOffload')
        self.assertEqual(409, resp.status_code, resp.text)
        self.assertIn(self.SERVICE_PROVIDER, resp.text)
        self.wait_server(server, 'SHELVED')
        self.assertEqual(host, self.host(server))
        self.assertEqual(before, self.assertForeignAttached(server, volume))

        self.action(server, 'unshelve')
        self.wait_server(server, 'ACTIVE')
        self.assertEqual(before, self.assertForeignAttached(server, volume))

    def test_cold_migration_refused_to_nu_admin(self):
        server, volume = self.attached_server()
        before = self.home_attachments(server)[volume]
        host = self.host(server)
        resp = self.admin_action(server, 'migrate')
        self.assertEqual(409, resp.status_code, resp.text)
        self.assertIn(self.SERVICE_PROVIDER, resp.text)
        self.wait_server(server, 'ACTIVE')
        self.assertEqual(host, self.host(server))
        self.assertEqual(before, self.assertForeignAttached(server, volume))


class TestDelete(base.TestCase, test_lifecycle.TestDelete):
    pass
