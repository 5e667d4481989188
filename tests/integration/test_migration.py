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

"""A server with a foreign volume moves between the two compute hosts.

Each move makes Nova create a foreign attachment for the destination and
delete the source's; afterwards the SP must hold exactly one attachment,
to the server on its new host, the one its BDM names. Migrations are the
admin's by Nova's default policy: the admin scopes the token to the
server's project, so that K2K maps it to the project of the volume at the
SP (nova_mixmatch.moves). Scoped to its own project it gets a 409.
"""

from mixmatch_sandbox import seed
from tests.integration import base


class TestMigration(base.TestCase):

    def assertMoved(self, server, volume, source, before):
        """The server left source; one new foreign attachment follows it."""
        self.assertNotEqual(source, self.host(server))
        after = self.assertForeignAttached(server, volume)
        self.assertNotEqual(before, after)
        self.assertEqual([after], [a['id'] for a in
                                   self.foreign_attachments(volume)])

    def _attached(self):
        server, volume = self.attached_server()
        return server, volume, self.host(server), self.home_attachments(
            server)[volume]

    def test_cold_migrate_and_confirm(self):
        server, volume, source, before = self._attached()
        self.assertEqual(202, self.admin_action(server, 'migrate').status_code)
        self.wait_server(server, 'VERIFY_RESIZE')
        self.action(server, 'confirmResize')
        self.wait_server(server, 'ACTIVE')
        self.assertMoved(server, volume, source, before)

    def test_resize_and_revert(self):
        """Revert brings the server, and the volume's attachment, back."""
        server, volume, source, before = self._attached()
        flavor = [f['id'] for f in self.compute('GET', '/flavors').json()[
            'flavors'] if f['name'] == seed.RESIZE_FLAVOR][0]
        self.action(server, 'resize', {'flavorRef': flavor})
        self.wait_server(server, 'VERIFY_RESIZE')
        resized = self.assertForeignAttached(server, volume)
        self.assertNotEqual(source, self.host(server))

        self.action(server, 'revertResize')
        self.wait_server(server, 'ACTIVE')
        self.assertEqual(source, self.host(server))
        reverted = self.assertForeignAttached(server, volume)
        self.assertNotIn(reverted, (before, resized))

    def test_live_migrate(self):
        server, volume, source, before = self._attached()
        # 2.30: no host given, the scheduler picks the other one
        self.assertEqual(202, self.admin_action(
            server, 'os-migrateLive',
            {'host': None, 'block_migration': 'auto'},
            version='2.30').status_code)
        self.clients.wait(lambda: self.host(server) != source, True,
                          'server %s leaves %s' % (server, source))
        self.wait_server(server, 'ACTIVE')
        self.assertMoved(server, volume, source, before)

    def test_move_refused_to_a_token_that_cannot_reach_the_volume(self):
        """An admin of another project maps elsewhere at the SP: 409.

        A fresh admin: Keystone keeps the role assignments that a mapping
        gives at the SP, so an admin once scoped to the server's project
        would reach its volumes later from any project.
        """
        server, volume, source, before = self._attached()
        admin = self.home_user('admin', 'admin')
        for action, args, version in (
                ('migrate', None, '2.1'),
                ('os-migrateLive', {'host': None, 'block_migration': 'auto'},
                 '2.30')):
            resp = self.admin_action(server, action, args, version,
                                     session=admin)
            self.assertEqual(409, resp.status_code, resp.text)
            self.assertIn('which your token cannot reach', resp.text)
            self.assertIn(volume, resp.text)
        self.wait_server(server, 'ACTIVE')
        self.assertEqual(source, self.host(server))
        self.assertEqual(before, self.assertForeignAttached(server, volume))
