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

"""The openstack command line with mixmatch's plugin, for real.

Runs the installed ``openstack`` command (its entry points, the plugin
loaded by stevedore) against the HTTP doubles of tests.doubles.cloud: a
home Keystone and Cinder and two service providers, each a Keystone and a
Cinder reached by K2K.
"""

import json
import os
import subprocess
import sys

import fixtures
from oslotest import base

from tests.doubles import cloud

OPENSTACK = os.path.join(os.path.dirname(sys.executable), 'openstack')
HOME_PROJECT = 'home-project'
REMOTE_PROJECT = 'k2k-home-project'


class CommandLineTest(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.cloud = self.useFixture(cloud.CloudDouble(('sp1', 'sp2')))
        self.cloud.add_user('alice', HOME_PROJECT, password='secret')
        self.volumes = {
            'home': self.cloud.create_volume('home', HOME_PROJECT, size=1,
                                             name='near'),
            'sp1': self.cloud.create_volume('sp1', REMOTE_PROJECT, size=2,
                                            name='far'),
            'sp2': self.cloud.create_volume('sp2', REMOTE_PROJECT, size=3,
                                            name='farther'),
        }
        # somebody else's, at a provider: never listed
        self.cloud.create_volume('sp1', 'k2k-other', name='theirs')

    def openstack(self, *argv):
        """Run the command as alice; its parsed JSON output."""
        env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
        proc = subprocess.run(
            [OPENSTACK, '--os-auth-type', 'password',
             '--os-auth-url', self.cloud.home_auth_url,
             '--os-identity-api-version', '3',
             '--os-username', 'alice', '--os-password', 'secret',
             '--os-user-domain-id', 'default',
             '--os-project-id', HOME_PROJECT,
             '--os-project-domain-id', 'default'] + list(argv) +
            ['-f', 'json'],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, timeout=120)
        self.assertEqual(0, proc.returncode, proc.stderr)
        self.assertNotIn('Traceback', proc.stderr)
        return json.loads(proc.stdout)

    def test_volume_list_every_cloud(self):
        rows = self.openstack('mixmatch', 'volume', 'list')
        self.assertEqual(
            [(self.volumes['home'], 'near', 'available', 1, '(home)',
              HOME_PROJECT),
             (self.volumes['sp1'], 'far', 'available', 2, 'sp1',
              REMOTE_PROJECT),
             (self.volumes['sp2'], 'farther', 'available', 3, 'sp2',
              REMOTE_PROJECT)],
            [(r['ID'], r['Name'], r['Status'], r['Size'], r['Provider'],
              r['Project']) for r in rows])
        # one K2K exchange per provider
        self.assertEqual({'sp1': 1, 'sp2': 1}, self.cloud.ecp_exchanges)

    def test_image_list_every_cloud(self):
        images = {
            'home': self.cloud.create_image('home', HOME_PROJECT,
                                            name='near-image'),
            'sp1': self.cloud.create_image('sp1', REMOTE_PROJECT,
                                           name='far-image'),
        }
        # somebody else's, at a provider: never listed
        self.cloud.create_image('sp2', 'k2k-other', name='theirs')
        self.cloud.set_down('sp2', glance=True)
        rows = self.openstack('mixmatch', 'image', 'list')
        self.assertEqual(
            [(images['home'], 'near-image', 'active', '(home)',
              HOME_PROJECT),
             (images['sp1'], 'far-image', 'active', 'sp1', REMOTE_PROJECT),
             ('', '', 'unavailable', 'sp2', REMOTE_PROJECT)],
            [(r['ID'], r['Name'], r['Status'].split(':')[0], r['Provider'],
              r['Project']) for r in rows])
        self.assertEqual({'sp1': 1, 'sp2': 1}, self.cloud.ecp_exchanges)

    def test_volume_list_k2k_cache(self):
        directory = self.useFixture(fixtures.TempDir()).path
        for _ in range(2):
            self.assertEqual(3, len(self.openstack(
                'mixmatch', 'volume', 'list',
                '--os-mixmatch-k2k-cache', directory)))
        # the second command reused the tokens of the first
        self.assertEqual({'sp1': 1, 'sp2': 1}, self.cloud.ecp_exchanges)

    def test_volume_list_filters(self):
        rows = self.openstack('mixmatch', 'volume', 'list',
                              '--service-provider', 'sp2', '--long')
        self.assertEqual([(self.volumes['sp2'], 'sp2', REMOTE_PROJECT)],
                         [(r['ID'], r['Provider'], r['Project ID'])
                          for r in rows])
        self.assertIn('Bootable', rows[0])
        self.assertEqual({'sp2': 1}, self.cloud.ecp_exchanges)
        self.assertEqual(['far'], [r['Name'] for r in self.openstack(
            'mixmatch', 'volume', 'list', '--name', 'far')])
        self.assertEqual([], self.openstack(
            'mixmatch', 'volume', 'list', '--status', 'in-use'))

    def test_volume_list_provider_down(self):
        self.cloud.set_down('sp1', keystone=True)
        self.cloud.set_down('home', cinder=True)
        rows = self.openstack('mixmatch', 'volume', 'list')
        self.assertEqual(
            [('', '(home)', HOME_PROJECT,
              'unavailable: Service Unavailable (HTTP 503)'),
             ('', 'sp1', '', 'unavailable: Service Unavailable (HTTP 503)'),
             (self.volumes['sp2'], 'sp2', REMOTE_PROJECT, 'available')],
            [(r['ID'], r['Provider'], r['Project'], r['Status'])
             for r in rows])

    def test_volume_list_unknown_provider(self):
        rows = self.openstack('mixmatch', 'volume', 'list',
                              '--service-provider', 'nowhere')
        self.assertEqual(
            [('nowhere', 'unavailable: Service provider nowhere is unknown '
                         'or disabled in the home Keystone.')],
            [(r['Provider'], r['Status']) for r in rows])

    def test_quota_show(self):
        self.cloud.set_down('sp2', cinder=True)
        rows = self.openstack('mixmatch', 'quota', 'show')
        self.assertEqual(
            [['(home)', HOME_PROJECT, 1, 10, 1, 1000, 0, 10, 'available'],
             ['sp1', REMOTE_PROJECT, 1, 10, 2, 1000, 0, 10, 'available'],
             ['sp2', REMOTE_PROJECT, None, None, None, None, None, None,
              'unavailable: Service Unavailable (HTTP 503)'],
             ['total', '', 2, 20, 3, 2000, 0, 20,
              'partial: 1 unavailable']],
            [list(r.values()) for r in rows])
