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

"""The packages depend on each other only as the README says.

``mixmatch_federation`` imports no Nova, no Cinder and no service's
configuration; ``nova_mixmatch``, ``cinder_mixmatch`` and
``mixmatch_client`` depend on it and never on each other. Each check
imports the modules in a fresh interpreter and looks at what came along.
"""

import json
import subprocess
import sys

from oslotest import base

PROBE = '''
import importlib, json, sys
from oslo_config import cfg
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps({
    "packages": sorted({m.split(".")[0] for m in sys.modules}),
    "conf_groups": sorted(cfg.CONF.keys()),
}))
'''
OURS = {'mixmatch_federation', 'nova_mixmatch', 'cinder_mixmatch',
        'mixmatch_client', 'mixmatch_deploy', 'mixmatch_sandbox'}


def imported_with(*modules):
    out = subprocess.run([sys.executable, '-c', PROBE, *modules],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])


#: package: (modules to import, our packages allowed, others forbidden)
LAYERS = {
    'mixmatch_federation': (
        ['mixmatch_federation.k2k', 'mixmatch_federation.route',
         'mixmatch_federation.connector', 'mixmatch_federation.exception'],
        {'mixmatch_federation'}, {'nova', 'cinder'}),
    'mixmatch_client': (
        ['mixmatch_client.plugin', 'mixmatch_client.server',
         'mixmatch_client.quota', 'mixmatch_client.novaclient_extension'],
        {'mixmatch_client', 'mixmatch_federation'}, {'nova', 'cinder'}),
    'cinder_mixmatch': (
        ['cinder_mixmatch.compute', 'cinder_mixmatch.home_nova',
         'cinder_mixmatch.conf', 'cinder_mixmatch.policies'],
        {'cinder_mixmatch', 'mixmatch_federation'}, {'nova'}),
    'nova_mixmatch': (
        ['nova_mixmatch.api', 'nova_mixmatch.volume', 'nova_mixmatch.moves',
         'nova_mixmatch.conductor'],
        {'nova_mixmatch', 'mixmatch_federation'}, {'cinder'}),
    'mixmatch_deploy': (
        ['mixmatch_deploy.cli', 'mixmatch_deploy.patch'],
        {'mixmatch_deploy'}, {'nova', 'cinder'}),
}
#: Packages that run beside other services and must not register Nova's
#: [mixmatch] options on the global CONF.
NO_NOVA_OPTIONS = ('mixmatch_federation', 'mixmatch_client')


class LayeringTest(base.BaseTestCase):

    def test_each_package_imports_only_what_it_may(self):
        for package, (modules, allowed, forbidden) in LAYERS.items():
            with self.subTest(package=package):
                found = imported_with(*modules)
                packages = set(found['packages'])
                self.assertEqual(set(), (packages & OURS) - allowed)
                self.assertEqual(set(), packages & forbidden)
                if package in NO_NOVA_OPTIONS:
                    self.assertNotIn('mixmatch', found['conf_groups'])
