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

"""Many foreign volumes attached and detached at once.

Twenty foreign volumes go to five servers, four each, all requests at
once; then all are detached at once. Every request must succeed, and
both clouds must agree on every volume at each end.
"""

import concurrent.futures

from mixmatch_sandbox import demo
from tests.integration import base

SERVERS = 5
VOLUMES_PER_SERVER = 4
TIMEOUT = 300


class TestConcurrency(base.TestCase):

    # runs alone: it loads the sandbox
    DISRUPTIVE = True

    def setUp(self):
        super().setUp()
        # Cinder's default quota is 10 volumes a project: the SP's admin
        # lets the demo project at the SP have what the test needs.
        s, url = self.clients.cinder('foreign')
        project = s.get_project_id()
        admin, admin_url = self.clients.cinder('foreign-admin')
        admin.put(admin_url + '/os-quota-sets/' + project,
                  json={'quota_set': {'volumes': 100, 'gigabytes': 200}},
                  headers={'OpenStack-API-Version': demo.VOLUME_VERSION})

    def parallel(self, func, *arg_lists):
        with concurrent.futures.ThreadPoolExecutor(
                SERVERS * VOLUMES_PER_SERVER) as pool:
            return list(pool.map(func, *arg_lists))

    def test_twenty_volumes_five_servers_in_parallel(self):
        count = SERVERS * VOLUMES_PER_SERVER
        volumes = self.parallel(lambda _: self.volume('foreign'),
                                range(count))
        servers = self.parallel(lambda _: self.boot(), range(SERVERS))
        pairs = [(servers[i % SERVERS], volume)
                 for i, volume in enumerate(volumes)]
        plan = [p[0] for p in pairs], [p[1] for p in pairs]

        statuses = self.parallel(self._attach, *plan)
        self.assertEqual([200] * count, statuses)
        self.parallel(self._wait_volume, volumes, ['in-use'] * count)
        self.parallel(self.assertForeignAttached, *plan)
        for server in servers:
            self.assertEqual(
                sorted(v for s, v in pairs if s == server),
                sorted(self.home_attachments(server)))

        statuses = self.parallel(self._detach, *plan)
        self.assertEqual([202] * count, statuses)
        self.parallel(self._wait_volume, volumes, ['available'] * count)
        for server in servers:
            self.clients.wait(lambda: self.home_attachments(server), {},
                              'server %s attachments' % server,
                              timeout=TIMEOUT)
        self.parallel(self.assertForeignAvailable, volumes)

    def _attach(self, server, volume):
        return self.request_attach(server, volume).status_code

    def _detach(self, server, volume):
        return self.request_detach(server, volume).status_code

    def _wait_volume(self, volume, status):
        self.clients.wait(
            lambda: self.clients.volume('foreign', volume)['status'],
            status, 'foreign volume %s' % volume, timeout=TIMEOUT)
