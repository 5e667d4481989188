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
from nova import context as nova_context
from nova.objects import base as objects_base

from mixmatch_federation import route
from nova_mixmatch import router
from tests.unit import base

FOREIGN = route.Route('sp1', 'p1')


class RouterTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.lookup = mock.Mock(return_value=(True, FOREIGN))
        self.router = router.Router(self.lookup, size=2)
        self.context = nova_context.RequestContext('u', 'p', is_admin=False)

    def test_known_answers_are_cached(self):
        for _ in range(2):
            self.assertEqual(FOREIGN, self.router.for_volume(self.context,
                                                             'v1'))
            self.assertEqual(FOREIGN, self.router.for_attachment(
                self.context, 'a1'))
        self.assertEqual([mock.call(self.context, volume_id='v1'),
                          mock.call(self.context, attachment_id='a1')],
                         self.lookup.call_args_list)

    def test_home_answers_are_cached(self):
        self.lookup.return_value = (True, None)
        self.assertIsNone(self.router.for_attachment(self.context, 'a1'))
        self.assertIsNone(self.router.for_attachment(self.context, 'a1'))
        self.assertEqual(1, self.lookup.call_count)

    def test_unknown_answers_are_asked_again(self):
        self.lookup.return_value = (False, None)
        self.assertIsNone(self.router.for_volume(self.context, 'v1'))
        self.lookup.return_value = (True, FOREIGN)
        self.assertEqual(FOREIGN, self.router.for_volume(self.context, 'v1'))
        self.assertEqual(2, self.lookup.call_count)

    def test_hint_is_for_this_request_only(self):
        router.hint(self.context, 'v1', FOREIGN)
        self.assertEqual(FOREIGN, self.router.for_volume(self.context, 'v1'))
        self.lookup.assert_not_called()
        other = nova_context.RequestContext('u', 'p', is_admin=False)
        self.lookup.return_value = (False, None)
        self.assertIsNone(self.router.for_volume(other, 'v1'))
        # The hint does not cross RPC: it is not in the context's dict.
        self.assertNotIn('mixmatch_routes', self.context.to_dict())
        # elevated() keeps it within the process.
        self.assertEqual(FOREIGN, self.router.for_volume(
            self.context.elevated(), 'v1'))

    def test_images(self):
        router.hint_image(self.context, 'i1', FOREIGN)
        self.assertEqual(FOREIGN, self.router.for_image(self.context, 'i1'))
        self.lookup.assert_not_called()
        # A volume hint of the same id says nothing of the image.
        other = nova_context.RequestContext('u', 'p', is_admin=False)
        router.hint(other, 'i1', FOREIGN)
        self.lookup.return_value = (True, None)
        self.assertIsNone(self.router.for_image(other, 'i1'))
        self.lookup.assert_called_once_with(other, image_id='i1')
        self.assertEqual(({}, {'i1': FOREIGN}), router.hints(self.context))
        # A hint of home decides too.
        router.hint_image(other, 'i1', None)
        self.assertIsNone(self.router.for_image(other, 'i1'))
        self.assertEqual(1, self.lookup.call_count)

    def test_learned_attachment(self):
        self.router.learn_attachment('a1', FOREIGN)
        self.assertEqual(FOREIGN, self.router.for_attachment(self.context,
                                                             'a1'))
        self.lookup.assert_not_called()

    def test_cache_is_bounded(self):
        for volume_id in ('v1', 'v2', 'v3', 'v1'):
            self.router.for_volume(self.context, volume_id)
        self.assertEqual(4, self.lookup.call_count)


class LookupTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.context = nova_context.RequestContext('u', 'p', is_admin=False)
        router._conductor.cache_clear()
        self.addCleanup(router._conductor.cache_clear)

    @mock.patch('nova_mixmatch.db.lookup_route', return_value=(True, None))
    def test_with_database(self, db_lookup):
        self.assertEqual((True, None),
                         router._lookup(self.context, volume_id='v1'))
        db_lookup.assert_called_once_with(self.context, volume_id='v1')

    @mock.patch('nova_mixmatch.db.lookup_image_route',
                return_value=(True, FOREIGN))
    @mock.patch('nova_mixmatch.conductor.RouteAPI')
    def test_images(self, route_api, db_lookup):
        self.assertEqual((True, FOREIGN),
                         router._lookup(self.context, image_id='i1'))
        db_lookup.assert_called_once_with(self.context, 'i1')
        self.useFixture(fixtures.MockPatchObject(
            objects_base.NovaObject, 'indirection_api', mock.sentinel.api))
        route_api.return_value.lookup_image_route.return_value = (True, None)
        self.assertEqual((True, None),
                         router._lookup(self.context, image_id='i2'))
        route_api.return_value.lookup_image_route.assert_called_once_with(
            self.context, 'i2')

    @mock.patch('nova_mixmatch.db.lookup_route')
    @mock.patch('nova_mixmatch.conductor.RouteAPI')
    def test_through_the_conductor(self, route_api, db_lookup):
        route_api.return_value.lookup_route.return_value = (True, FOREIGN)
        self.useFixture(fixtures.MockPatchObject(
            objects_base.NovaObject, 'indirection_api', mock.sentinel.api))
        self.assertEqual((True, FOREIGN),
                         router._lookup(self.context, attachment_id='a1'))
        route_api.return_value.lookup_route.assert_called_once_with(
            self.context, attachment_id='a1')
        db_lookup.assert_not_called()
