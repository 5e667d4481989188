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

import os
import pathlib
import stat
import xml.etree.ElementTree as ET

import fixtures
import testtools
import yaml

from mixmatch_deploy import keystone as deploy_keystone
from mixmatch_sandbox import base
from mixmatch_sandbox import credentials
from mixmatch_sandbox import services
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
