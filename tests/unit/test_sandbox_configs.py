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
from keystoneauth1 import adapter
from keystoneauth1 import session
from requests_mock.contrib import fixture as rm_fixture
import testtools
import yaml

from mixmatch_sandbox import base
from mixmatch_sandbox import foreign
from mixmatch_sandbox import home
from nova_mixmatch.cmd import configure

URL = 'http://keystone.test/v3'


class SandboxTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = pathlib.Path(self.useFixture(fixtures.TempDir()).path)
        self.sb = base.Sandbox(self.dir)


class TestTemplates(SandboxTestCase):

    def assertFilled(self, path):
        text = path.read_text()
        self.assertNotIn('${', text)
        self.assertNotRegex(text, r'@[A-Z_]+@')
        return text

    def test_every_template_has_its_values(self):
        shib = self.dir / 'etc' / 'shibboleth-foreign'
        text = self.assertFilled(foreign.render(
            'shibboleth2.xml', shib / 'shibboleth2.xml', shib_dir=shib,
            sp_base_url=foreign.keystone_url(self.sb, ''),
            idp_entity_id=self.sb.idp_entity_id(),
            idp_metadata=home.idp_metadata_path(self.sb)))
        ET.fromstring(text)   # well-formed
        self.assertIn('entityID="http://127.0.0.1:25100/shibboleth"', text)
        self.assertIn('entityID="http://127.0.0.1:25000/v3/OS-FEDERATION/'
                      'saml2/idp"', text)
        self.assertIn(str(home.idp_metadata_path(self.sb)), text)
        self.assertIn('%s/shibd.sock' % shib, text)

        logger = self.assertFilled(foreign.render(
            'shib.logger', shib / 'shibd.logger', level='INFO'))
        self.assertIn('rootCategory=INFO', logger)

    def test_apache(self):
        apache_dir = self.dir / 'state' / 'apache2-foreign'
        text = self.assertFilled(foreign.render(
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
        self.assertRaises(KeyError, foreign.render, 'shib.logger',
                          self.dir / 'x')


class TestCloudsYaml(SandboxTestCase):

    def test_three_clouds_mode_600(self):
        path = home.clouds_yaml(self.sb)
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
        home.clouds_yaml(self.sb)
        for cloud in ('home', 'foreign'):
            ks = self.sb.keystone(cloud)
            self.assertIsInstance(ks, configure.Keystone)
            self.assertEqual('identity', ks.client.service_type)
            self.assertEqual('RegionOne', ks.client.region_name)
            self.assertEqual(
                self.sb.url('keystone-' + cloud, '/v3'),
                ks.client.session.auth.auth_url)


class TestKeystone(testtools.TestCase):
    """The calls the sandbox makes through mixmatch-configure's client."""

    def setUp(self):
        super().setUp()
        self.requests = self.useFixture(rm_fixture.Fixture())
        self.ks = configure.Keystone(adapter.Adapter(
            session.Session(), endpoint_override=URL))

    def test_password_only_at_creation(self):
        self.requests.get(URL + '/users?domain_id=default&name=cinder',
                          json={'users': []})
        post = self.requests.post(URL + '/users', json={
            'user': {'id': 'u1'}})
        user, outcome = self.ks.ensure_named(
            'users', 'cinder', {'domain_id': 'default'},
            create={'password': 'p'})
        self.assertEqual(('u1', 'created'), (user['id'], outcome))
        self.assertEqual({'user': {'name': 'cinder', 'domain_id': 'default',
                                   'password': 'p'}},
                         post.last_request.json())
        # the password never goes into a query string
        self.assertNotIn('password', self.requests.request_history[0].qs)

    def test_existing_user_left_alone(self):
        self.requests.get(URL + '/users?domain_id=default&name=cinder',
                          json={'users': [{'id': 'u1'}]})
        user, outcome = self.ks.ensure_named(
            'users', 'cinder', {'domain_id': 'default'},
            create={'password': 'new'})
        self.assertEqual(('u1', 'unchanged'), (user['id'], outcome))
        self.assertEqual(['GET'], [r.method for r in
                                   self.requests.request_history])

    def test_grant(self):
        put = self.requests.put(URL + '/projects/p/users/u/roles/r',
                                status_code=204)
        self.ks.grant('p', 'u', 'r')
        self.assertTrue(put.called)

    def test_grant_failure_raises(self):
        self.requests.put(URL + '/projects/p/users/u/roles/r',
                          status_code=404, text='no such role')
        self.assertRaises(configure.ConfigureError, self.ks.grant,
                          'p', 'u', 'r')

    def _service(self, endpoints):
        self.requests.get(URL + '/services?name=cinder&type=volumev3',
                          json={'services': [{'id': 's1'}]})
        for interface, found in endpoints.items():
            self.requests.get(
                URL + '/endpoints?service_id=s1&interface=%s'
                '&region_id=RegionOne' % interface,
                json={'endpoints': found})

    def test_endpoint_created_per_interface(self):
        self._service({'public': [], 'internal': []})
        post = self.requests.post(URL + '/endpoints', json={})
        self.assertEqual('created', self.ks.ensure_endpoint(
            'volumev3', 'cinder', 'http://c/v3', 'RegionOne',
            interfaces=('public', 'internal')))
        self.assertEqual(
            [{'endpoint': {'service_id': 's1', 'url': 'http://c/v3',
                           'interface': i, 'region_id': 'RegionOne'}}
             for i in ('public', 'internal')],
            [r.json() for r in post.request_history])

    def test_endpoint_url_updated_or_left(self):
        self._service({'public': [{'id': 'e1', 'url': 'http://old'}]})
        patch = self.requests.patch(URL + '/endpoints/e1', json={})
        self.assertEqual('updated', self.ks.ensure_endpoint(
            'volumev3', 'cinder', 'http://c/v3', 'RegionOne'))
        self.assertEqual({'endpoint': {'url': 'http://c/v3'}},
                         patch.last_request.json())
        self._service({'public': [{'id': 'e1', 'url': 'http://c/v3'}]})
        self.assertEqual('unchanged', self.ks.ensure_endpoint(
            'volumev3', 'cinder', 'http://c/v3', 'RegionOne'))
