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

"""A BU volume on an NU server, in MOC's project, as MOC's demo user.

Each step is checked through every cloud's own API (base): NU's Nova
(the server's attachments), BU's Cinder as MOC's user sees it by its
own K2K, and as BU's admin sees it (the host), and NU's Cinder, which
has no such volume.
"""

from tests.integration3 import base


class TestThreeClouds(base.TestCase):

    def test_attach_then_detach(self):
        volume = self.volume('foreign')
        server = self.boot()
        self.attach_foreign(server, volume)
        self.assertForeignAttached(server, volume)

        self.assertEqual(202, self.request_detach(server, volume).status_code)
        self.clients.wait_volume('foreign', volume, 'available')
        self.assertForeignAvailable(volume)
        self.assertEqual({}, self.home_attachments(server))
