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

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg
from oslo_config import fixture as config_fixture
from oslotest import base

from nova_mixmatch import conf


class TestListOpts(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        [(self.group, opts)] = conf.list_opts()
        self.opts = {opt.dest: opt for opt in opts}
        self.names = [opt.dest for opt in opts]

    def test_group(self):
        self.assertEqual('mixmatch', self.group.name)

    def test_no_duplicates(self):
        self.assertEqual(sorted(set(self.names)), sorted(self.names))

    def test_mixmatch_options(self):
        for name in ('enabled', 'home_auth_url', 'service_providers',
                     'cinder_service_type', 'cinder_interface',
                     'cinder_region_name', 'client_cache_size',
                     'route_cache_size'):
            self.assertIn(name, self.opts)
        self.assertIs(False, self.opts['enabled'].default)
        self.assertIsNone(self.opts['home_auth_url'].default)
        self.assertEqual([], self.opts['service_providers'].default)
        self.assertEqual('block-storage',
                         self.opts['cinder_service_type'].default)
        self.assertEqual('public', self.opts['cinder_interface'].default)

    def test_session_options_verify_tls_by_default(self):
        for name in ('cafile', 'certfile', 'keyfile', 'insecure', 'timeout'):
            self.assertIn(name, self.opts)
        self.assertIs(False, self.opts['insecure'].default)
        self.assertIsNone(self.opts['cafile'].default)

    def test_auth_options(self):
        for name in ('auth_type', 'auth_section', 'auth_url', 'username',
                     'password', 'user_domain_name', 'project_name'):
            self.assertIn(name, self.opts)
        self.assertTrue(self.opts['password'].secret)

    def test_lists_every_registered_option(self):
        fresh = cfg.ConfigOpts()
        conf.register_opts(fresh)
        registered = set(fresh['mixmatch'])
        self.assertIn('cafile', registered)
        self.assertEqual(set(), registered - set(self.names))


class TestSession(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.conf = cfg.ConfigOpts()
        conf.register_opts(self.conf)
        self.conf([], default_config_files=[])
        self.fixture = self.useFixture(config_fixture.Config(self.conf))

    def _session(self):
        return ks_loading.load_session_from_conf_options(self.conf,
                                                         'mixmatch')

    def test_disabled_by_default(self):
        self.assertIs(False, self.conf.mixmatch.enabled)

    def test_verifies_tls_by_default(self):
        self.assertIs(True, self._session().verify)

    def test_cafile(self):
        self.fixture.config(group='mixmatch', cafile='/etc/ssl/home-ca.pem')
        self.assertEqual('/etc/ssl/home-ca.pem', self._session().verify)

    def test_insecure(self):
        self.fixture.config(group='mixmatch', insecure=True)
        self.assertIs(False, self._session().verify)
