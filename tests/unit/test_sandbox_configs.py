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

"""The sandbox's rendered configs and its Keystone admin client."""

import contextlib
import io
import os
import pathlib
import stat
import subprocess
import xml.etree.ElementTree as ET

import fixtures
import testtools
import yaml

from mixmatch_deploy import keystone as deploy_keystone
from mixmatch_sandbox import base
from mixmatch_sandbox import cli
from mixmatch_sandbox import credentials
from mixmatch_sandbox import services
from mixmatch_sandbox.services import horizon
from mixmatch_sandbox.services import keystone
from mixmatch_sandbox.services import shibboleth


class SandboxTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = pathlib.Path(self.useFixture(fixtures.TempDir()).path)
        # the default port base, whatever the shell running the tests says
        self.useFixture(fixtures.EnvironmentVariable(
            'MIXMATCH_SANDBOX_PORT_BASE'))
        self.sb = base.Sandbox(self.dir)


class TestTemplates(SandboxTestCase):

    def assertFilled(self, path):
        text = path.read_text()
        self.assertNotIn('${', text)
        self.assertNotRegex(text, r'@[A-Z_]+@')
        return text

    def test_every_template_has_its_values(self):
        shib = self.dir / 'etc' / 'shibboleth-foreign'
        idp_metadata = [keystone.idp_metadata_path(self.sb, idp)
                        for idp in ('home', 'moc')]
        text = self.assertFilled(shibboleth.render(
            'shibboleth2.xml', shib / 'shibboleth2.xml', shib_dir=shib,
            sp_base_url=self.sb.keystone_url('foreign', ''),
            idp_entity_id=keystone.entity_id(self.sb, 'home'),
            metadata_providers=shibboleth.metadata_providers(idp_metadata)))
        root = ET.fromstring(text)   # well-formed
        self.assertIn('entityID="http://127.0.0.1:25100/shibboleth"', text)
        self.assertIn('entityID="http://127.0.0.1:25000/v3/OS-FEDERATION/'
                      'saml2/idp"', text)
        # one metadata provider per identity provider
        self.assertEqual([str(p) for p in idp_metadata], [
            e.get('path') for e in root.iter(
                '{urn:mace:shibboleth:3.0:native:sp:config}'
                'MetadataProvider')])
        self.assertIn('%s/shibd.sock' % shib, text)

        logger = self.assertFilled(shibboleth.render(
            'shib.logger', shib / 'shibd.logger', level='INFO'))
        self.assertIn('rootCategory=INFO', logger)

    def test_apache(self):
        apache_dir = self.dir / 'state' / 'apache2-foreign'
        text = self.assertFilled(shibboleth.render(
            'apache-sp.conf', self.dir / 'etc' / 'apache2-foreign.conf',
            host=base.HOST, port=25100, apache_dir=apache_dir,
            shib_dir=self.dir / 'shib', uwsgi='127.0.0.1:25101'))
        self.assertIn('Listen 127.0.0.1:25100', text)
        self.assertIn('PidFile %s/run/apache2.pid' % apache_dir, text)
        self.assertIn('ProxyPass / uwsgi://127.0.0.1:25101/', text)
        self.assertIn('ShibConfig %s/shibboleth2.xml' % (self.dir / 'shib'),
                      text)
        # $$ of the template is a literal $ (regex anchor)
        self.assertIn('protocols/saml2/auth$">', text)

    def test_a_missing_value_is_an_error(self):
        self.assertRaises(KeyError, shibboleth.render, 'shib.logger',
                          self.dir / 'x')


class TestServices(SandboxTestCase):

    def test_named_by_cloud(self):
        self.assertEqual('cinder-foreign', services.name('cinder', 'foreign'))
        self.assertEqual('glance-foreign', services.name('glance', 'foreign'))
        self.assertEqual('keystone-home', services.name('keystone', 'home'))
        self.assertEqual('cinder-home', services.name('cinder', 'home'))
        # the home cloud's others kept their names of before the second
        for service in ('placement', 'glance', 'neutron', 'nova'):
            self.assertEqual(service, services.name(service, 'home'))

    def test_keystone_wsgi_reads_its_cloud_config(self):
        text = keystone.wsgi_file(self.sb, 'foreign').read_text()
        self.assertIn('from keystone.wsgi.api import application', text)
        self.assertIn(str(self.dir / 'etc' / 'keystone-foreign'), text)

    def test_horizon_local_settings(self):
        namespace = {}
        exec(horizon.local_settings(self.sb, 'home'), namespace)
        self.assertEqual(
            (False, ['127.0.0.1'], 'http://127.0.0.1:25000/v3',
             self.sb.secret('home-horizon-secret-key'), True,
             str(self.dir / 'horizon' / 'static')),
            (namespace['DEBUG'], namespace['ALLOWED_HOSTS'],
             namespace['OPENSTACK_KEYSTONE_URL'], namespace['SECRET_KEY'],
             namespace['COMPRESS_OFFLINE'], namespace['STATIC_ROOT']))
        self.assertEqual('http://127.0.0.1:25008/auth/login/',
                         horizon.url(self.sb, '/auth/login/'))

    def test_horizon_enabled_files(self):
        names = [p.name for p in horizon._enabled_files()]
        self.assertEqual(['_6050_mixmatch_panel_group.py',
                          '_6051_mixmatch_volumes.py',
                          '_6052_mixmatch_quota.py'], names)


class TestCloudsYaml(SandboxTestCase):

    def test_three_clouds_mode_600(self):
        path = credentials.clouds_yaml(self.sb)
        self.assertEqual(0o600, stat.S_IMODE(os.stat(path).st_mode))
        clouds = yaml.safe_load(path.read_text())['clouds']
        self.assertEqual({'home-admin', 'home-demo', 'foreign-admin'},
                         set(clouds))
        self.assertEqual(
            {'auth_url': 'http://127.0.0.1:25000/v3', 'username': 'demo',
             'password': self.sb.secret('home-demo'), 'project_name': 'demo',
             'user_domain_id': 'default', 'project_domain_id': 'default'},
            clouds['home-demo']['auth'])
        self.assertEqual('http://127.0.0.1:25100/v3',
                         clouds['foreign-admin']['auth']['auth_url'])

    def _env(self, *argv):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = cli.main(['--dir', str(self.dir), 'env'] + list(argv))
        return rc, out.getvalue()

    def test_env_cloud_is_openrc_of_clouds_yaml(self):
        credentials.clouds_yaml(self.sb)
        clouds = yaml.safe_load(self.sb.clouds_yaml().read_text())['clouds']
        for name in ('home-demo', 'foreign-admin'):
            rc, text = self._env('--cloud', name)
            self.assertEqual(0, rc)
            # what a shell has once it evaluated the output
            shell = subprocess.run(
                ['bash', '-c', text + 'env -0'], env={}, check=True,
                capture_output=True, text=True).stdout
            env = dict(line.partition('=')[::2]
                       for line in shell.split('\0') if line)
            auth = clouds[name]['auth']
            self.assertEqual(
                (name, str(self.sb.clouds_yaml()), auth['auth_url'],
                 auth['username'], auth['password'], auth['project_name'],
                 auth['user_domain_id'], auth['project_domain_id'],
                 clouds[name]['region_name'], '3'),
                (env['OS_CLOUD'], env['OS_CLIENT_CONFIG_FILE'],
                 env['OS_AUTH_URL'], env['OS_USERNAME'], env['OS_PASSWORD'],
                 env['OS_PROJECT_NAME'], env['OS_USER_DOMAIN_ID'],
                 env['OS_PROJECT_DOMAIN_ID'], env['OS_REGION_NAME'],
                 env['OS_IDENTITY_API_VERSION']))

    def test_env_without_cloud_names_only_the_file(self):
        rc, text = self._env()
        self.assertEqual(0, rc)
        self.assertNotIn('OS_PASSWORD', text)
        self.assertIn('export OS_CLIENT_CONFIG_FILE=%s\n'
                      % self.sb.clouds_yaml(), text)

    def test_env_unknown_cloud(self):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            rc, text = self._env('--cloud', 'nowhere')
        self.assertEqual((1, ''), (rc, text))
        self.assertIn('no cloud nowhere in clouds.yaml (choices: home-admin, '
                      'home-demo, foreign-admin)', err.getvalue())

    def test_admin_client_of_each_cloud(self):
        credentials.clouds_yaml(self.sb)
        for cloud in ('home', 'foreign'):
            ks = self.sb.keystone(cloud)
            self.assertIsInstance(ks, deploy_keystone.Keystone)
            self.assertEqual('identity', ks.client.service_type)
            self.assertEqual('RegionOne', ks.client.region_name)
            self.assertEqual(
                self.sb.url('keystone-' + cloud, '/v3'),
                ks.client.session.auth.auth_url)
