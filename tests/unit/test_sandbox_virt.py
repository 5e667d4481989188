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

import hashlib
import json
import os
from unittest import mock

import fixtures
from nova import exception
from nova import objects
from nova import test
from oslo_utils.fixture import uuidsentinel as uuids

from mixmatch_sandbox import virt

BYTES = b'the provider\'s image'


class ImageFetchingFakeDriverTest(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.instances = self.useFixture(fixtures.TempDir()).path
        self.flags(instances_path=self.instances)
        self.driver = virt.ImageFetchingFakeDriver(mock.Mock())
        self.served = BYTES
        self.fetch = self.useFixture(fixtures.MockPatch(
            'nova.virt.images.fetch', side_effect=self._fetch)).mock
        self.get = self.useFixture(fixtures.MockPatch(
            'nova.image.glance.API.get', return_value={
                'os_hash_algo': 'sha512',
                'os_hash_value': hashlib.sha512(BYTES).hexdigest()})).mock
        self.instance = objects.Instance(uuid=uuids.instance,
                                         image_ref=uuids.image)

    def _fetch(self, context, image_href, path, trusted_certs=None):
        with open(path, 'wb') as f:
            f.write(self.served)

    def _spawn(self):
        with mock.patch('nova.virt.fake.FakeDriver.spawn') as spawn:
            self.driver.spawn(mock.sentinel.context, self.instance,
                              mock.sentinel.image_meta, [], 'pw', {})
        return spawn

    def _record(self):
        with open(virt.record_path(self.instances, uuids.instance)) as f:
            return json.load(f)

    def test_fetches_through_nova_and_checks_the_bytes(self):
        self._spawn().assert_called_once()
        self.fetch.assert_called_once_with(
            mock.sentinel.context, uuids.image, mock.ANY)
        self.get.assert_called_once_with(mock.sentinel.context, uuids.image)
        self.assertEqual(
            {'image_id': uuids.image, 'os_hash_algo': 'sha512', 'size':
             len(BYTES), 'os_hash_value': hashlib.sha512(BYTES).hexdigest()},
            self._record())
        # The bytes are the server's disk until it leaves the host.
        self.assertEqual([uuids.instance + '.disk',
                          uuids.instance + '.image.json'],
                         sorted(os.listdir(self.instances)))
        uploaded = []
        update = self.useFixture(fixtures.MockPatch(
            'nova.image.glance.API.update', side_effect=lambda *a, **kw:
            uploaded.append(kw['data'].read()))).mock
        self.driver.instances[uuids.instance] = mock.Mock()
        self.driver.snapshot(mock.sentinel.context, self.instance,
                             uuids.snapshot, mock.Mock())
        update.assert_called_once_with(
            mock.sentinel.context, uuids.snapshot,
            {'disk_format': 'raw', 'container_format': 'bare'},
            data=mock.ANY)
        self.assertEqual([BYTES], uploaded)
        self.instance.flavor = objects.Flavor(vcpus=1, memory_mb=1,
                                              root_gb=1, ephemeral_gb=0)
        self.driver.destroy(mock.sentinel.context, self.instance, [])
        self.assertEqual([uuids.instance + '.image.json'],
                         os.listdir(self.instances))

    def test_other_bytes_fail_the_spawn(self):
        self.served = b'bytes from elsewhere'
        with mock.patch('nova.virt.fake.FakeDriver.spawn') as spawn:
            e = self.assertRaises(
                exception.ImageUnacceptable, self.driver.spawn,
                mock.sentinel.context, self.instance, None, [], 'pw', {})
        spawn.assert_not_called()
        self.assertIn('not to its os_hash_value', e.format_message())
        self.assertEqual([uuids.instance + '.image.json'],
                         os.listdir(self.instances))
        self.assertEqual(hashlib.sha512(self.served).hexdigest(),
                         self._record()['os_hash_value'])

    def test_volume_backed_server_fetches_nothing(self):
        self.instance.image_ref = ''
        self._spawn().assert_called_once()
        self.fetch.assert_not_called()

    def test_a_hold_file_holds_the_build(self):
        self.instance.display_name = 'held'
        hold = virt.hold_path(self.instances, 'held')
        open(hold, 'w').close()
        slept = []

        def sleep(seconds):
            slept.append(seconds)
            if len(slept) == 3:
                os.unlink(hold)   # the test lets it go on
        with mock.patch('time.sleep', side_effect=sleep), mock.patch(
                'nova.virt.driver.ComputeDriver.prepare_for_spawn') as go_on:
            self.driver.prepare_for_spawn(self.instance)
        self.assertEqual([virt.HOLD_POLL] * 3, slept)
        go_on.assert_called_once_with(self.instance)
        # No hold: no wait.
        with mock.patch('time.sleep') as sleep:
            self.driver.prepare_for_spawn(self.instance)
        sleep.assert_not_called()

    def test_rescue_fetches_its_rescue_image(self):
        image_meta = objects.ImageMeta(id=uuids.rescue_image)
        with mock.patch('nova.virt.fake.FakeDriver.rescue') as rescue:
            self.driver.rescue(mock.sentinel.context, self.instance, [],
                               image_meta, 'pw', None, None)
        rescue.assert_called_once()
        self.fetch.assert_called_once_with(
            mock.sentinel.context, uuids.rescue_image, mock.ANY)
        with open(virt.record_path(self.instances, uuids.instance,
                                   'rescue')) as f:
            self.assertEqual(uuids.rescue_image, json.load(f)['image_id'])
        self.assertEqual([uuids.instance + '.rescue.disk',
                          uuids.instance + '.rescue.image.json'],
                         sorted(os.listdir(self.instances)))
        with mock.patch('nova.virt.fake.FakeDriver.unrescue'):
            self.driver.unrescue(mock.sentinel.context, self.instance)
        self.assertEqual([uuids.instance + '.rescue.image.json'],
                         os.listdir(self.instances))
