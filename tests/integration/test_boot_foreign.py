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

"""Servers of the home Nova built from the foreign cloud's image, or on
its volumes: the real services of both clouds, K2K.
"""

import json

from mixmatch_sandbox.clouds import foreign
from mixmatch_sandbox.clouds import home
from mixmatch_sandbox import credentials
from mixmatch_sandbox import demo
from mixmatch_sandbox import seed
from mixmatch_sandbox.services import glance
from tests.integration import base


class ForeignBootTestCase(base.TestCase):
    """Servers of the demo user from foreign images: the helpers."""

    def _image(self, cloud, name):
        """An image of cloud by name, as that cloud's admin sees it."""
        admin = credentials.admin_session(self.sb, cloud)
        [image] = admin.get(glance.images_url(self.sb, cloud), params={
            'name': name}).json()['images']
        return image

    def _create(self, name=None, **server):
        """POST /servers as the demo user; the response."""
        flavor = [f['id'] for f in self.compute('GET', '/flavors').json()[
            'flavors'] if f['name'] == seed.FLAVOR][0]
        body = {'server': dict(name=name or self.name(), flavorRef=flavor,
                               networks='none', **server)}
        return self.compute('POST', '/servers', json=body, raise_exc=False)

    def _created(self, **server):
        resp = self._create(**server)
        self.assertEqual(202, resp.status_code, resp.text)
        server = resp.json()['server']['id']
        self.addCleanup(self._delete_if_left, server)
        self.wait_server(server, 'ACTIVE')
        return server

    def _delete_if_left(self, server):
        if self.compute('GET', '/servers/' + server,
                        raise_exc=False).status_code != 404:
            self.clients.delete_server(server)

    def _refused(self, message, **server):
        name = self.name()
        resp = self._create(name=name, **server)
        self.assertEqual(400, resp.status_code, resp.text)
        self.assertIn(message, resp.json()['badRequest']['message'])
        self.assertEqual([], self.compute('GET', '/servers', params={
            'name': name}).json()['servers'])

    def _downloaded(self, server):
        """What the compute host's hypervisor read for the server."""
        with open(self._record(server)) as f:
            return json.load(f)

    def _record(self, server, host=None):
        """The path of what the hypervisor of host read for the server.

        As mixmatch_sandbox.virt.record_path (which needs Nova) names it.
        """
        return self.sb.path('state', host or self.host(server), 'instances',
                            server + '.image.json')


class BootForeignTest(ForeignBootTestCase):

    def test_boot_from_a_foreign_image(self):
        image = self._image(foreign.CLOUD, seed.FOREIGN_IMAGE)
        server = self._created(imageRef=image['id'],
                               image_service_provider=foreign.SP_ID)
        self.assertEqual(image['id'],
                         self.clients.server(server)['image']['id'])
        # The hypervisor read the provider's bytes, through Nova.
        got = self._downloaded(server)
        self.assertEqual((image['id'], image['os_hash_value'], image['size']),
                         (got['image_id'], got['os_hash_value'],
                          got['size']))
        self.assertNotEqual(
            self._image(home.CLOUD, seed.IMAGE)['os_hash_value'],
            got['os_hash_value'])

    def test_refused_before_anything_is_created(self):
        private = self._image(foreign.CLOUD, seed.FOREIGN_PRIVATE_IMAGE)
        self._refused('No image %s visible to you at service provider %s'
                      % (private['id'], foreign.SP_ID),
                      imageRef=private['id'],
                      image_service_provider=foreign.SP_ID)
        image = self._image(foreign.CLOUD, seed.FOREIGN_IMAGE)
        self._refused('Service provider nope is not allowed here',
                      imageRef=image['id'], image_service_provider='nope')
        # The provider's image is not the home Glance's.
        self._refused('Can not find requested image', imageRef=image['id'])

    def test_boot_from_foreign_volumes(self):
        root = self.volume('foreign')
        s, url = self.clients.cinder('foreign')
        s.post(url + '/volumes/%s/action' % root,
               json={'os-set_bootable': {'bootable': True}},
               headers={'OpenStack-API-Version': demo.VOLUME_VERSION})
        data = self.clients.create_volume('foreign', self.name())
        self.addCleanup(self._delete_volume_if_left, data)
        server = self._created(imageRef='', block_device_mapping_v2=[
            {'boot_index': 0, 'uuid': root, 'source_type': 'volume',
             'destination_type': 'volume',
             'service_provider': foreign.SP_ID},
            {'boot_index': -1, 'uuid': data, 'source_type': 'volume',
             'destination_type': 'volume', 'delete_on_termination': True,
             'service_provider': foreign.SP_ID}])
        for volume in (root, data):
            self.assertForeignAttached(server, volume)

        self.clients.delete_server(server)
        self.clients.wait_volume('foreign', root, 'available')
        self.assertForeignAvailable(root)
        # delete_on_termination, honoured at the provider
        self.wait_foreign_gone(data)

    def _delete_volume_if_left(self, volume):
        if self.clients._deleted('foreign', volume) is not True:
            self.clients.delete_volume('foreign', volume)


class ForeignGlanceDownTest(ForeignBootTestCase):

    DISRUPTIVE = True

    def test_glance_down_at_create_is_a_400(self):
        image = self._image(foreign.CLOUD, seed.FOREIGN_IMAGE)
        self.sb.stop(glance.name(foreign.CLOUD))
        try:
            self._refused('Service provider %s failed: its image service '
                          'is unreachable' % foreign.SP_ID,
                          imageRef=image['id'],
                          image_service_provider=foreign.SP_ID)
        finally:
            proc = base.cli(self.sb, 'up')
            self.assertEqual(0, proc.returncode, proc.stdout[-2000:])
        # back up: the same request builds the server
        self._created(imageRef=image['id'],
                      image_service_provider=foreign.SP_ID)
