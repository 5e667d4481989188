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

"""The README's three-cloud transcript, as real commands with MOC
credentials only: ``openstack --os-cloud moc-demo --os-service-provider
nu server add volume <server> <volume> --service-provider bu``, then
``server volume list``, ``openstack --os-cloud moc-demo mixmatch volume
list --service-provider bu`` and ``server remove volume``; each step
checked in every cloud (base)."""

import json
import os
import subprocess

from mixmatch_sandbox.clouds import moc
from tests.integration3 import base


class TestCommandLine(base.TestCase):

    def openstack(self, provider, *argv):
        """``openstack --os-cloud moc-demo``: its JSON output, or None.

        At provider if one is named (osc-lib's K2K login, in MOC's demo's
        project there).
        """
        proc = subprocess.run(
            self.clients.openstack_argv(provider) + list(argv),
            env=dict(os.environ,
                     OS_CLIENT_CONFIG_FILE=str(self.sb.path('clouds.yaml'))),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            timeout=180)
        self.assertEqual(0, proc.returncode, proc.stderr)
        self.assertNotIn('Traceback', proc.stderr)
        return json.loads(proc.stdout) if proc.stdout.strip() else None

    def test_server_add_and_remove_volume_at_nu_from_bu(self):
        volume = self.volume('foreign')
        server = self.boot()
        name = self.clients.volume('foreign', volume)['name']

        # by name: found at BU, by the plugin's chained K2K from NU
        shown = self.openstack(moc.NU, 'server', 'add', 'volume', server,
                               name, '--service-provider', moc.BU,
                               '-f', 'json')
        self.assertEqual((server, volume, moc.BU),
                         (shown['Server ID'], shown['Volume ID'],
                          shown['Service Provider']))
        self.clients.wait_volume('foreign', volume, 'in-use')
        self.assertForeignAttached(server, volume)
        listed = self.openstack(moc.NU, 'server', 'volume', 'list', server,
                                '-f', 'json')
        self.assertEqual([volume], [r['Volume ID'] for r in listed])
        # from MOC, the plugin's own K2K to BU
        rows = [r for r in self.openstack(
            None, 'mixmatch', 'volume', 'list', '--service-provider',
            moc.BU, '-f', 'json') if r['ID'] == volume]
        self.assertEqual([(moc.BU, base.PROJECT, 'in-use')],
                         [(r['Provider'], r['Project'], r['Status'])
                          for r in rows])
        self.assertIn(server, rows[0]['Attached to'])

        self.assertIsNone(self.openstack(
            moc.NU, 'server', 'remove', 'volume', server, volume,
            '--service-provider', moc.BU))
        self.clients.wait_volume('foreign', volume, 'available')
        self.clients.wait(lambda: self.home_attachments(server), {},
                          'server %s attachments' % server)
        self.assertForeignAvailable(volume)
