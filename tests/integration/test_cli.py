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

"""The command lines on two real clouds: ``nova volume-attach``, the
``openstack server`` volume commands and ``openstack mixmatch``."""

import json
import os
import subprocess

from mixmatch_sandbox.clouds import federation
from mixmatch_sandbox.clouds import foreign
from mixmatch_sandbox import demo
from mixmatch_sandbox import seed
from tests.integration import base
from tests.integration import test_boot_foreign


class TestCommandLine(test_boot_foreign.ForeignBootTestCase):

    def run_cli(self, argv, env, clean=False):
        """argv's output; env adds to the environment, or is it (clean)."""
        env = env if clean else dict(os.environ, **env)
        proc = subprocess.run(argv, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=180)
        self.assertEqual(0, proc.returncode, proc.stderr)
        self.assertNotIn('Traceback', proc.stderr)
        return proc.stdout

    def openstack(self, *argv):
        """``openstack --os-cloud home-demo ... -f json``, parsed."""
        return json.loads(self.run_cli(
            [self.sb.bin('openstack'), '--os-cloud', 'home-demo'] +
            list(argv) + ['-f', 'json'],
            {'OS_CLIENT_CONFIG_FILE': str(self.sb.path('clouds.yaml'))}))

    def nova(self, *argv):
        return self.run_cli(
            [self.sb.bin('nova'), '--os-compute-api-version',
             demo.COMPUTE_VERSION.split()[1]] + list(argv),
            self.clients.cli_environment())

    def test_nova_volume_attach(self):
        volume = self.volume('foreign')
        server = self.boot()
        self.nova('volume-attach', server, volume,
                  '--service-provider', foreign.SP_ID)
        self.clients.wait_volume('foreign', volume, 'in-use')
        self.assertForeignAttached(server, volume)
        self.nova('volume-detach', server, volume)
        self.clients.wait_volume('foreign', volume, 'available')
        self.assertForeignAvailable(volume)

    def test_openstack_server_create_from_foreign_image_and_volume(self):
        image = self._image(foreign.CLOUD, seed.FOREIGN_IMAGE)
        create = ('--os-compute-api-version', '2.79', 'server', 'create',
                  '--flavor', seed.FLAVOR, '--nic', 'none')
        server = self.openstack(*create, '--wait', '--image',
                                seed.FOREIGN_IMAGE, '--image-service-provider',
                                foreign.SP_ID, self.name())['id']
        self.addCleanup(self._delete_if_left, server)
        self.wait_server(server, 'ACTIVE')
        self.assertEqual(image['id'],
                         self.clients.server(server)['image']['id'])
        self.assertEqual(image['os_hash_value'],
                         self._downloaded(server)['os_hash_value'])

        root = self._bootable_volume()
        name = self.clients.volume('foreign', root)['name']
        server = self.openstack(*create, '--volume', name,
                                '--volume-service-provider', foreign.SP_ID,
                                self.name())['id']
        self.addCleanup(self._delete_if_left, server)
        self.wait_server(server, 'ACTIVE')
        self.assertForeignAttached(server, root)

    def test_nova_in_a_sandbox_shell(self):
        """As the README says: eval the env of home-demo, then nova."""
        volume = self.volume('foreign')
        server = self.boot()
        shell = ('eval "$(%s env --cloud home-demo)" && %s '
                 '--os-compute-api-version %s volume-attach %s %s '
                 '--service-provider %s' % (
                     self.sb.bin('mixmatch-sandbox'), self.sb.bin('nova'),
                     demo.COMPUTE_VERSION.split()[1], server, volume,
                     foreign.SP_ID))
        # nothing of the test's own environment: a newcomer's shell
        self.run_cli(['bash', '-c', shell],
                     {k: v for k, v in os.environ.items()
                      if not k.startswith('OS_')}, clean=True)
        self.clients.wait_volume('foreign', volume, 'in-use')
        self.assertForeignAttached(server, volume)
        self.clients.detach(server, volume)
        self.clients.wait_volume('foreign', volume, 'available')

    def test_openstack_server_volume_commands(self):
        far = self.volume('foreign')
        near = self.volume('home')
        server = self.boot()
        name = self.clients.volume('foreign', far)['name']
        # by name: found at the service provider, not at home
        shown = self.openstack('server', 'add', 'volume', server, name,
                               '--service-provider', foreign.SP_ID)
        self.assertEqual((server, far, foreign.SP_ID),
                         (shown['Server ID'], shown['Volume ID'],
                          shown['Service Provider']))
        self.clients.wait_volume('foreign', far, 'in-use')
        self.assertForeignAttached(server, far)
        self.openstack('server', 'add', 'volume', server, near)
        self.clients.wait_volume('home', near, 'in-use')

        listed = self.openstack('server', 'volume', 'list', server)
        self.assertEqual({far: foreign.SP_ID, near: '(home)'},
                         {r['Volume ID']: r['Provider'] for r in listed})

        # a foreign volume by its ID, with no option
        self.run_cli([self.sb.bin('openstack'), '--os-cloud', 'home-demo',
                      'server', 'remove', 'volume', server, far],
                     {'OS_CLIENT_CONFIG_FILE':
                      str(self.sb.path('clouds.yaml'))})
        self.clients.wait_volume('foreign', far, 'available')
        self.assertForeignAvailable(far)
        self.clients.wait(lambda: list(self.home_attachments(server)),
                          [near], 'server attachments')

    @base.alone
    def test_mixmatch_volume_list(self):
        far = self.volume('foreign')
        near = self.volume('home')
        with federation.service_providers(self.sb, [self.name()],
                                          down=True) as (down,):
            rows = self.openstack('mixmatch', 'volume', 'list', '--long')
        mine = {r['ID']: (r['Provider'], r['Project'], r['Status'])
                for r in rows if r['ID'] in (far, near)}
        self.assertEqual({far: (foreign.SP_ID, 'k2k-demo', 'available'),
                          near: ('(home)', 'demo', 'available')}, mine)
        self.assertEqual(
            ['unavailable: Unable to establish connection to'],
            [r['Status'].rsplit(' ', 1)[0] for r in rows
             if r['Provider'] == down])

        only = self.openstack('mixmatch', 'volume', 'list',
                              '--service-provider', foreign.SP_ID,
                              '--name', self.clients.volume('foreign',
                                                            far)['name'])
        self.assertEqual([(far, foreign.SP_ID)],
                         [(r['ID'], r['Provider']) for r in only])

    def test_mixmatch_quota_show(self):
        self.volume('foreign')
        rows = {r['Provider']: r for r in self.openstack(
            'mixmatch', 'quota', 'show', '--service-provider',
            foreign.SP_ID)}
        self.assertEqual({foreign.SP_ID, 'total'}, set(rows))
        row = rows[foreign.SP_ID]
        self.assertEqual(('k2k-demo', 'available'),
                         (row['Project'], row['Status']))
        # what the foreign Cinder says to its admin
        s, url = self.clients.cinder('foreign-admin')
        project = self.clients.foreign.get_project_id()
        limits = s.get(url + '/os-quota-sets/' + project).json()['quota_set']
        self.assertEqual((limits['volumes'], limits['gigabytes'],
                          limits['snapshots']),
                         (row['Volumes Limit'], row['Gigabytes Limit'],
                          row['Snapshots Limit']))
        self.assertGreaterEqual(row['Volumes'], 1)
        self.assertGreaterEqual(row['Gigabytes'], 1)
        total = rows['total']
        self.assertEqual((row['Volumes Limit'], 'available'),
                         (total['Volumes Limit'], total['Status']))
