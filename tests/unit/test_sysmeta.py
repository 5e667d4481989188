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

import uuid

from oslotest import base

from mixmatch_federation import route
from nova_mixmatch import sysmeta

# Nova's instance_system_metadata key column is String(255).
SYSMETA_COLUMN = 255


class TestSysmeta(base.BaseTestCase):

    def test_key(self):
        volume_id = str(uuid.uuid4())
        key = sysmeta.key(volume_id)
        self.assertEqual('mixmatch_' + volume_id, key)
        self.assertTrue(key.startswith(sysmeta.PREFIX))
        self.assertLessEqual(len(key), SYSMETA_COLUMN)
        self.assertNotEqual(key, sysmeta.key(str(uuid.uuid4())))

    def test_routes_of_the_foreign_volumes_only(self):
        foreign = route.Route('sp-1', 'proj')
        metadata = {sysmeta.key('v1'): foreign.to_json(),
                    sysmeta.key('v2'): '',
                    'image_min_ram': '0'}
        self.assertEqual({'v1': foreign},
                         sysmeta.routes(metadata, ['v1', 'v2', 'v3']))
