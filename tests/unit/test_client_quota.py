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

"""The rows of ``openstack mixmatch quota show`` (and of the dashboard's
"Quota across clouds")."""

from unittest import mock

from oslotest import base

from mixmatch_client import clouds
from mixmatch_client import quota


def scope(provider, project):
    return mock.Mock(provider=provider, project_name=project)


class RowsTest(base.BaseTestCase):

    def test_total_of_the_clouds_that_answered(self):
        rows = quota.rows([
            clouds.Outcome(clouds.HOME, scope(clouds.HOME, 'demo'), {
                'volumes': (1, 10), 'gigabytes': (2, 1000),
                'snapshots': (0, 10)}),
            clouds.Outcome('sp1', scope('sp1', 'k2k-demo'), {
                'volumes': (3, 5), 'gigabytes': (4, -1),
                'snapshots': (1, 10)}),
            clouds.Outcome('sp2', error='refused')])
        self.assertEqual([
            (clouds.HOME, 'demo', 1, 10, 2, 1000, 0, 10, 'available'),
            ('sp1', 'k2k-demo', 3, 5, 4, -1, 1, 10, 'available'),
            ('sp2', '') + (None,) * 6 + ('unavailable: refused',),
            # -1 (unlimited) anywhere is unlimited in total
            ('total', '', 4, 15, 6, -1, 1, 20, 'partial: 1 unavailable')],
            rows)
        self.assertEqual(len(quota.COLUMNS), len(rows[0]))

    def test_every_cloud_answered(self):
        rows = quota.rows([clouds.Outcome(
            clouds.HOME, scope(clouds.HOME, 'demo'), {
                'volumes': (0, 10), 'gigabytes': (0, 10),
                'snapshots': (0, 10)})])
        self.assertEqual('available', rows[-1][-1])
