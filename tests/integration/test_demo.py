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

"""The demo (tox -e demo) cleans up after itself before it returns."""

from mixmatch_sandbox import demo
from tests.integration import base


class TestDemo(base.TestCase):

    def run_demo(self):
        return demo.run(self.sb)

    def test_demo_leaves_nothing_behind(self):
        self.assertTrue(self.run_demo())   # the timings
        # tox -e demo brings the clouds down right after run(): by then
        # the provider must have deleted the demo's volume, not be
        # deleting it
        admin, url = self.clients.cinder('foreign-admin')
        left = [(v['name'], v['status']) for v in admin.get(
            url + '/volumes/detail',
            params={'all_tenants': 1}).json()['volumes']
            if v['name'].startswith('mixmatch-demo-')]
        self.assertEqual([], left)
