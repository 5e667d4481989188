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
from mixmatch_sandbox.services import cinder
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

    def _bootable_volume(self):
        """A foreign volume of the demo user, bootable; deleted at cleanup."""
        volume = self.volume('foreign')
        s, url = self.clients.cinder('foreign')
        s.post(url + '/volumes/%s/action' % volume,
               json={'os-set_bootable': {'bootable': True}},
               headers={'OpenStack-API-Version': demo.VOLUME_VERSION})
        return volume

    def _held_create(self, **server):
        """POST /servers, its build held on the host that claims it.

        The sandbox's hypervisor waits while the hold file of the server's
        name exists (mixmatch_sandbox.virt.hold_path), before it connects
        the block devices and downloads the image.

        :returns: the server id and the function that lets the build go on.
        """
        name = self.name()
        holds = [self.sb.path('state', host, 'instances', name + '.hold')
                 for host in home.COMPUTE_HOSTS]
        for hold in holds:
            hold.parent.mkdir(parents=True, exist_ok=True)
            hold.touch()

        def release():
            for hold in holds:
                hold.unlink(missing_ok=True)
        self.addCleanup(release)
        resp = self._create(name=name, **server)
        self.assertEqual(202, resp.status_code, resp.text)
        server = resp.json()['server']['id']
        self.addCleanup(self._delete_if_left, server)
        # What an operator sees of a build that a host has taken on.
        self.clients.wait(lambda: self.host(server) is not None, True,
                          'server %s on a host' % server)
        return server, release

    def _fault(self, server):
        return self.clients.server(server)['fault']['message']

    def _back_up(self):
        proc = base.cli(self.sb, 'up')
        self.assertEqual(0, proc.returncode, proc.stdout[-2000:])

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
        root = self._bootable_volume()
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
            self._back_up()
        # back up: the same request builds the server
        self._created(imageRef=image['id'],
                      image_service_provider=foreign.SP_ID)

    def test_glance_down_during_the_download(self):
        """ERROR, its fault naming the provider; nothing left attached.

        A foreign data volume in the same request: nova-api reserves it at
        the provider, the compute host connects it before the download.
        """
        image = self._image(foreign.CLOUD, seed.FOREIGN_IMAGE)
        data = self.volume('foreign')
        server, release = self._held_create(
            imageRef=image['id'], image_service_provider=foreign.SP_ID,
            block_device_mapping_v2=[
                {'boot_index': 0, 'uuid': image['id'],
                 'source_type': 'image', 'destination_type': 'local'},
                {'boot_index': -1, 'uuid': data, 'source_type': 'volume',
                 'destination_type': 'volume',
                 'service_provider': foreign.SP_ID}])
        self.assertEqual('reserved',
                         self.clients.volume('foreign-admin', data)['status'])
        self.sb.stop(glance.name(foreign.CLOUD))
        self.addCleanup(self._back_up)
        release()
        self.wait_server(server, 'ERROR')
        self.assertIn('Image %s is unacceptable: Service provider %s '
                      'failed: its image service is unreachable'
                      % (image['id'], foreign.SP_ID), self._fault(server))
        # The compute host released the attachment at the provider.
        self.clients.wait_volume('foreign', data, 'available')
        self.assertForeignAvailable(data)
        # Deleting the server leaves nothing in either cloud.
        self.clients.delete_server(server)
        self.assertEqual(404, self.compute('GET', '/servers/' + server,
                                           raise_exc=False).status_code)
        self.assertForeignAvailable(data)


class ForeignCinderFaultsTest(ForeignBootTestCase):
    """A boot from a foreign volume while the provider's Cinder fails."""

    DISRUPTIVE = True

    def _mappings(self, *volumes):
        return [{'boot_index': index if index == 0 else -1, 'uuid': volume,
                 'source_type': 'volume', 'destination_type': 'volume',
                 'service_provider': foreign.SP_ID}
                for index, volume in enumerate(volumes)]

    def test_cinder_down_at_create_is_a_400(self):
        root = self._bootable_volume()
        self.sb.stop(cinder.name(foreign.CLOUD))
        try:
            self._refused('Service provider %s failed: its volume service '
                          'is unreachable' % foreign.SP_ID, imageRef='',
                          block_device_mapping_v2=self._mappings(root))
        finally:
            self._back_up()
        self.assertForeignAvailable(root)

    def test_attachment_refused_during_the_build(self):
        """The provider drops the boot volume's reserved attachment.

        Its admin deletes it between the create and the compute host's
        connection: the build fails (ERROR), and the compute host releases
        the data volume's attachment too.
        """
        root = self._bootable_volume()
        data = self.volume('foreign')
        server, release = self._held_create(
            imageRef='', block_device_mapping_v2=self._mappings(root, data))
        [reserved] = self.foreign_attachments(root)
        self.assertEqual(server, reserved['instance'])
        s, url = self.clients.cinder('foreign-admin')
        s.delete(url + '/attachments/' + reserved['id'],
                 headers={'OpenStack-API-Version': demo.VOLUME_VERSION})
        release()
        self.wait_server(server, 'ERROR')
        self.assertIn('aborted: Volume attachment %s could not be found'
                      % reserved['id'], self._fault(server))
        for volume in (root, data):
            self.clients.wait_volume('foreign', volume, 'available')
            self.assertForeignAvailable(volume)
        self.clients.delete_server(server)
        for volume in (root, data):
            self.assertForeignAvailable(volume)
