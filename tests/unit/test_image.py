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

from unittest import mock

import fixtures
from glanceclient import exc as glance_exception
from keystoneauth1 import discover
from nova import context as nova_context
from nova import exception as nova_exception

from mixmatch_federation import route
from nova_mixmatch import exception
from nova_mixmatch import image
from tests.unit import base

FOREIGN = route.Route('sp1', 'p1')


class CallTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.flags(enabled=True)
        self.context = nova_context.RequestContext('u', 'p', is_admin=False)
        self.proceed = mock.Mock(return_value='home')
        self.clients = mock.Mock()
        self.useFixture(fixtures.MockPatch(
            'nova_mixmatch.foreign.clients', return_value=self.clients))
        self.router = mock.Mock()
        self.router.for_image.side_effect = lambda context, image_id: (
            FOREIGN if image_id == 'foreign' else None)
        self.useFixture(fixtures.MockPatch(
            'nova_mixmatch.router.process_router', return_value=self.router))

    def _call(self, method, image_id, controller=None, kwargs=None):
        return image.call(self.proceed, self.context, 2, method, controller,
                          (image_id,), kwargs)

    def test_foreign_reads_go_to_the_provider(self):
        client = mock.Mock()
        self.clients.call.side_effect = (
            lambda context, where, service, func: func(client))
        client.images.get.return_value = 'the image'
        client.images.data.return_value = 'the bytes'
        self.assertEqual('the image', self._call('get', 'foreign'))
        self.assertEqual('the bytes', self._call('data', 'foreign',
                                                 kwargs={'x': 1}))
        client.images.data.assert_called_once_with('foreign', x=1)
        self.assertEqual(
            [mock.call(self.context, FOREIGN, image.IMAGES, mock.ANY)] * 2,
            self.clients.call.call_args_list)
        self.proceed.assert_not_called()

    def test_a_provider_that_cannot_give_the_bytes(self):
        self.clients.call.side_effect = exception.ForeignCallFailed(
            service_provider='sp1', reason='its image service is down')
        # The download: unacceptable, so that the build aborts.
        e = self.assertRaises(nova_exception.ImageUnacceptable,
                              self._call, 'data', 'foreign')
        self.assertEqual('Image foreign is unacceptable: Service provider '
                         'sp1 failed: its image service is down',
                         e.format_message())
        # The image's record: the failure as it is (a 400 in the API).
        self.assertRaises(exception.ForeignCallFailed,
                          self._call, 'get', 'foreign')

    def test_everything_else_is_nova_s(self):
        for method, image_id, controller in (
                ('get', 'home', None),
                ('create', 'foreign', None),
                ('update', 'foreign', None),
                ('get', 'foreign', 'schemas')):
            self.assertEqual('home', self._call(method, image_id,
                                                controller))
        self.flags(enabled=False)
        self.assertEqual('home', self._call('get', 'foreign'))
        self.clients.call.assert_not_called()

    def test_a_snapshot_names_its_foreign_base_image(self):
        for base_image, expected in (
                ('foreign', {'mixmatch_base_image_service_provider': 'sp1',
                             'mixmatch_base_image_remote_project': 'p1'}),
                ('home', {})):
            properties = {'name': 'snap', 'base_image_ref': base_image}
            self.assertEqual('home', image.call(
                self.proceed, self.context, 2, 'create', None, None,
                properties))
            self.assertEqual(dict({'name': 'snap',
                                   'base_image_ref': base_image},
                                  **expected), properties)
        self.clients.call.assert_not_called()


class ImagesTest(base.TestCase):

    def test_client_and_failures(self):
        endpoint = discover.EndpointData(
            catalog_url='http://glance.sp1/',
            service_url='http://glance.sp1/v2/')
        context = nova_context.RequestContext('u', 'p', is_admin=False)
        with mock.patch('glanceclient.Client') as client:
            image.IMAGES.client(mock.sentinel.session, endpoint, context)
        client.assert_called_once_with(
            2, session=mock.sentinel.session,
            endpoint_override='http://glance.sp1/',
            global_request_id=context.global_id)
        self.assertTrue(image.IMAGES.broken(
            glance_exception.HTTPServiceUnavailable()))
        self.assertFalse(image.IMAGES.broken(
            glance_exception.HTTPNotFound()))
        self.assertEqual('image', image.IMAGES.endpoint().service_type)
