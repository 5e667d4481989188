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

import json
import os
import subprocess
import sys

from mixmatch_sandbox.clouds import foreign
from mixmatch_sandbox.clouds import home
from mixmatch_sandbox import credentials
from mixmatch_sandbox import seed
from mixmatch_sandbox.services import glance
from mixmatch_sandbox.services import nova
from tests.integration import test_boot_foreign


def foreign_image(test):
    """A new image of the demo's project at the provider.

    As the provider's admin sees it; deleted at the test's cleanup.
    """
    admin = credentials.admin_session(test.sb, foreign.CLOUD)
    [project] = admin.get(
        test.sb.keystone_url(foreign.CLOUD) + '/projects',
        params={'name': 'k2k-' + credentials.DEMO}).json()['projects']
    images = glance.images_url(test.sb, foreign.CLOUD)
    image = admin.post(images, json={
        'name': test.name(), 'disk_format': 'raw',
        'container_format': 'bare', 'visibility': 'private',
        'owner': project['id']}).json()['id']
    test.addCleanup(admin.delete, images + '/' + image, raise_exc=False)
    admin.put(images + '/%s/file' % image, data=os.urandom(64 * 1024),
              headers={'Content-Type': 'application/octet-stream'})
    return admin.get(images + '/' + image).json()


class ForeignImageServerTestCase(test_boot_foreign.ForeignBootTestCase):
    """A server of the demo user built from the provider's image."""

    def setUp(self):
        super().setUp()
        self.image = self._image(foreign.CLOUD, seed.FOREIGN_IMAGE)
        self.server = self._created(imageRef=self.image['id'],
                                    image_service_provider=foreign.SP_ID)

    def assertProviderBytes(self):
        """The server's host read the provider's image for it."""
        got = self._downloaded(self.server)
        self.assertEqual((self.image['id'], self.image['os_hash_value']),
                         (got['image_id'], got['os_hash_value']))


class ForeignImageLifecycleTest(ForeignImageServerTestCase):

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

    def test_rebuild_to_a_foreign_image_without_its_provider(self):
        """Refused: the image is looked for in the home Glance."""
        other = foreign_image(self)
        resp = self.compute('POST', '/servers/%s/action' % self.server,
                            json={'rebuild': {'imageRef': other['id']}},
                            raise_exc=False)
        self.assertEqual(400, resp.status_code, resp.text)
        self.wait_server(self.server, 'ACTIVE')
        self.assertEqual(self.image['id'],
                         self.clients.server(self.server)['image']['id'])

    def test_rebuild_to_another_foreign_image(self):
        other = foreign_image(self)
        private = self._image(foreign.CLOUD, seed.FOREIGN_PRIVATE_IMAGE)
        resp = self.compute('POST', '/servers/%s/action' % self.server,
                            json={'rebuild': {
                                'imageRef': private['id'],
                                'image_service_provider': foreign.SP_ID}},
                            raise_exc=False)
        self.assertEqual(400, resp.status_code, resp.text)
        self.assertIn('No image %s visible to you at service provider %s'
                      % (private['id'], foreign.SP_ID),
                      resp.json()['badRequest']['message'])
        self.action(self.server, 'rebuild', {
            'imageRef': other['id'], 'image_service_provider': foreign.SP_ID})
        self.wait_server(self.server, 'ACTIVE')
        self.assertEqual(other['id'],
                         self.clients.server(self.server)['image']['id'])
        got = self._downloaded(self.server)
        self.assertEqual((other['id'], other['os_hash_value']),
                         (got['image_id'], got['os_hash_value']))

    def test_rescue_with_a_foreign_rescue_image(self):
        rescue = foreign_image(self)
        self.action(self.server, 'rescue', {
            'rescue_image_ref': rescue['id'],
            'rescue_image_service_provider': foreign.SP_ID})
        self.wait_server(self.server, 'RESCUE')
        with open(self._record(self.server).with_name(
                self.server + '.rescue.image.json')) as f:
            got = json.load(f)
        self.assertEqual((rescue['id'], rescue['os_hash_value']),
                         (got['image_id'], got['os_hash_value']))
        self.action(self.server, 'unrescue')
        self.wait_server(self.server, 'ACTIVE')

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

    def test_resize(self):
        """To another flavor: the destination host downloads it again."""
        source = self.host(self.server)
        flavor = [f['id'] for f in self.compute('GET', '/flavors').json()[
            'flavors'] if f['name'] == seed.RESIZE_FLAVOR][0]
        self.action(self.server, 'resize', {'flavorRef': flavor})
        self.wait_server(self.server, 'VERIFY_RESIZE')
        self.action(self.server, 'confirmResize')
        self.wait_server(self.server, 'ACTIVE')
        self.assertNotEqual(source, self.host(self.server))
        self.assertEqual(seed.RESIZE_FLAVOR, self.clients.server(
            self.server)['flavor']['original_name'])
        self.assertProviderBytes()


class ForeignImageEvacuateTest(ForeignImageServerTestCase):
    """Its compute host down: evacuated, the other host downloads it."""

    DISRUPTIVE = True

    #: services by UUID, forced down with PUT
    SERVICES_VERSION = {'OpenStack-API-Version': 'compute 2.53'}

    def _service(self, host):
        admin = credentials.admin_session(self.sb, home.CLOUD)
        [service] = admin.get(self.clients.nova + '/os-services', params={
            'binary': 'nova-compute', 'host': host},
            headers=self.SERVICES_VERSION).json()['services']
        return admin, service

    def _force_down(self, host, down):
        admin, service = self._service(host)
        admin.put(self.clients.nova + '/os-services/' + service['id'],
                  json={'forced_down': down}, headers=self.SERVICES_VERSION)

    def _evacuation(self):
        """The status of the server's evacuation, as the admin sees it."""
        admin = credentials.admin_session(self.sb, home.CLOUD)
        return [m['status'] for m in admin.get(
            self.clients.nova + '/os-migrations', params={
                'instance_uuid': self.server,
                'migration_type': 'evacuation'},
            headers={'OpenStack-API-Version': 'compute 2.59'}).json()[
                'migrations']]

    def _host_back(self, host):
        """As an operator: restart it, then force it up.

        Nova refuses to force a host up until its restarted nova-compute
        has completed the evacuations from it.
        """
        up = subprocess.Popen(
            [sys.executable, '-m', 'mixmatch_sandbox.cli', '--dir',
             str(self.sb.dir), 'up'], stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        self.clients.wait(self._evacuation, ['completed'],
                          'evacuation of %s' % self.server, timeout=180)
        self._force_down(host, False)
        output, _ = up.communicate()
        self.assertEqual(0, up.returncode, output[-2000:])
        self.clients.wait(lambda: self._service(host)[1]['state'], 'up',
                          'nova-compute on %s' % host)

    def test_evacuate(self):
        source = self.host(self.server)
        self.sb.stop(nova.compute_name(home.CLOUD, source))
        self.addCleanup(self._host_back, source)
        self._force_down(source, True)
        self.clients.wait(lambda: self._service(source)[1]['state'], 'down',
                          'nova-compute on %s' % source)
        resp = self.admin_action(self.server, 'evacuate', {},
                                 version='2.68')
        self.assertEqual(200, resp.status_code, resp.text)
        self.clients.wait(lambda: self.host(self.server) != source, True,
                          'server %s leaves %s' % (self.server, source))
        self.wait_server(self.server, 'ACTIVE')
        self.assertProviderBytes()


class ForeignImageDeletedTest(test_boot_foreign.ForeignBootTestCase):
    """The provider's image deleted while a server built from it runs."""

    def test_servers_go_on_and_a_rebuild_to_it_is_refused(self):
        image = foreign_image(self)['id']
        admin = credentials.admin_session(self.sb, foreign.CLOUD)
        images = glance.images_url(self.sb, foreign.CLOUD)
        server = self._created(imageRef=image,
                               image_service_provider=foreign.SP_ID)
        admin.delete(images + '/' + image)
        self.assertEqual(404, admin.get(images + '/' + image,
                                        raise_exc=False).status_code)
        self.action(server, 'reboot', {'type': 'HARD'})
        self.wait_server(server, 'ACTIVE')
        self.action(server, 'os-stop')
        self.wait_server(server, 'SHUTOFF')
        self.action(server, 'os-start')
        self.wait_server(server, 'ACTIVE')
        resp = self.compute('POST', '/servers/%s/action' % server,
                            json={'rebuild': {'imageRef': image}},
                            raise_exc=False)
        self.assertEqual(400, resp.status_code, resp.text)
        # Nova's own answer: the provider's Glance says it has no such image.
        self.assertEqual('Cannot find image for rebuild',
                         resp.json()['badRequest']['message'])
        self.wait_server(server, 'ACTIVE')
        self.assertEqual(image, self.clients.server(server)['image']['id'])
