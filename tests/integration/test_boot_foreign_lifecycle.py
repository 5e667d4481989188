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

"""A server built from the foreign cloud's image, through its life.

The compute hosts' hypervisor downloads the image, through Nova, each time
a host needs it (rebuild, unshelve from the home snapshot, the destination
of a move), and checks its bytes (mixmatch_sandbox.virt).
"""

from mixmatch_sandbox.clouds import foreign
from mixmatch_sandbox.clouds import home
from mixmatch_sandbox import credentials
from mixmatch_sandbox import seed
from mixmatch_sandbox.services import glance
from tests.integration import test_boot_foreign


class ForeignImageLifecycleTest(test_boot_foreign.ForeignBootTestCase):

    def setUp(self):
        super().setUp()
        self.image = self._image(foreign.CLOUD, seed.FOREIGN_IMAGE)
        self.server = self._created(imageRef=self.image['id'],
                                    image_service_provider=foreign.SP_ID)

    def assertProviderBytes(self):
        got = self._downloaded(self.server)
        self.assertEqual((self.image['id'], self.image['os_hash_value']),
                         (got['image_id'], got['os_hash_value']))

    def _home_image(self, image_id):
        return credentials.admin_session(self.sb, home.CLOUD).get(
            glance.images_url(self.sb, home.CLOUD) + '/' + image_id).json()

    def test_reboot_stop_start_rebuild_rescue(self):
        self.action(self.server, 'reboot', {'type': 'HARD'})
        self.wait_server(self.server, 'ACTIVE')
        self.action(self.server, 'os-stop')
        self.wait_server(self.server, 'SHUTOFF')
        self.action(self.server, 'os-start')
        self.wait_server(self.server, 'ACTIVE')
        # rebuild to the same foreign image: downloaded again
        self._record(self.server).unlink()
        self.action(self.server, 'rebuild', {'imageRef': self.image['id']})
        self.wait_server(self.server, 'ACTIVE')
        self.assertProviderBytes()
        # rescue, with the server's own (foreign) image
        self.action(self.server, 'rescue')
        self.wait_server(self.server, 'RESCUE')
        self.action(self.server, 'unrescue')
        self.wait_server(self.server, 'ACTIVE')

    def test_rebuild_to_an_unrecorded_foreign_image_is_refused(self):
        """Rebuild takes no provider: only the server's own is known."""
        private = self._image(foreign.CLOUD, seed.FOREIGN_PRIVATE_IMAGE)
        resp = self.compute('POST', '/servers/%s/action' % self.server,
                            json={'rebuild': {'imageRef': private['id']}},
                            raise_exc=False)
        self.assertEqual(400, resp.status_code, resp.text)
        self.wait_server(self.server, 'ACTIVE')
        self.assertEqual(self.image['id'],
                         self.clients.server(self.server)['image']['id'])

    def test_snapshot_lands_home_and_names_its_base(self):
        resp = self.compute('POST', '/servers/%s/action' % self.server,
                            json={'createImage': {'name': self.name()}},
                            version='2.45')
        snapshot = resp.json()['image_id']
        self.addCleanup(credentials.admin_session(self.sb, home.CLOUD).delete,
                        glance.images_url(self.sb, home.CLOUD) + '/' +
                        snapshot)
        self.clients.wait(lambda: self._home_image(snapshot)['status'],
                          'active', 'snapshot %s' % snapshot)
        image = self._home_image(snapshot)
        self.assertEqual(
            (self.image['id'], foreign.SP_ID, self.image['os_hash_value']),
            (image['base_image_ref'],
             image['mixmatch_base_image_service_provider'],
             image['os_hash_value']))

    def test_shelve_offload_unshelve(self):
        self.action(self.server, 'shelve')
        self.wait_server(self.server, 'SHELVED')
        self.assertEqual(202, self.admin_action(
            self.server, 'shelveOffload').status_code)
        self.wait_server(self.server, 'SHELVED_OFFLOADED')
        self.action(self.server, 'unshelve')
        self.wait_server(self.server, 'ACTIVE')
        # The home snapshot's bytes are the provider's.
        got = self._downloaded(self.server)
        self.assertEqual(self.image['os_hash_value'], got['os_hash_value'])
        self.assertEqual(self.image['id'],
                         self.clients.server(self.server)['image']['id'])

    def test_cold_migrate_and_live_migrate(self):
        source = self.host(self.server)
        self.assertEqual(202, self.admin_action(self.server,
                                                'migrate').status_code)
        self.wait_server(self.server, 'VERIFY_RESIZE')
        self.action(self.server, 'confirmResize')
        self.wait_server(self.server, 'ACTIVE')
        self.assertNotEqual(source, self.host(self.server))
        # The destination downloaded the image from the provider again.
        self.assertProviderBytes()

        # Back to the first host, which must download it again too.
        self._record(self.server, source).unlink()
        source = self.host(self.server)
        self.assertEqual(202, self.admin_action(
            self.server, 'os-migrateLive',
            {'host': None, 'block_migration': 'auto'},
            version='2.30').status_code)
        self.clients.wait(lambda: self.host(self.server) != source, True,
                          'server %s leaves %s' % (self.server, source))
        self.wait_server(self.server, 'ACTIVE')
        self.assertProviderBytes()
