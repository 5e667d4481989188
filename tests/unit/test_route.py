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

import dataclasses
import uuid

from oslotest import base

from mixmatch_federation import route

# Nova's instance_system_metadata value column is String(255).
SYSMETA_COLUMN = 255


class TestRoute(base.BaseTestCase):

    def test_json_round_trip(self):
        original = route.Route('sp-1', uuid.uuid4().hex)
        value = original.to_json()
        self.assertIsInstance(value, str)
        self.assertEqual(original, route.Route.from_json(value))

    def test_primitive_round_trip(self):
        original = route.Route('sp-1', 'proj')
        primitive = original.to_primitive()
        self.assertEqual({'service_provider': 'sp-1', 'project_id': 'proj'},
                         primitive)
        self.assertEqual(original, route.Route.from_primitive(primitive))

    def test_json_is_stable(self):
        # Equal routes store equal values, whatever the field order.
        self.assertEqual(
            '{"project_id": "proj", "service_provider": "sp-1"}',
            route.Route('sp-1', 'proj').to_json())

    def test_json_fits_nova_sysmeta_column_for_longest_ids(self):
        # api.py accepts ids of up to 64 of [a-zA-Z0-9_-], Keystone's limit.
        longest = route.Route('s' * 64, 'p' * 64)
        value = longest.to_json()
        self.assertLessEqual(len(value), SYSMETA_COLUMN)
        self.assertEqual(longest, route.Route.from_json(value))

    def test_route_is_immutable(self):
        # Routes are shared through caches.
        r = route.Route('sp-1', 'proj')
        self.assertRaises(dataclasses.FrozenInstanceError,
                          setattr, r, 'project_id', 'other')
        self.assertEqual(hash(route.Route('sp-1', 'proj')), hash(r))
