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

import pathlib
import stat

import fixtures
from keystoneauth1 import adapter
from keystoneauth1 import session
from oslo_config import cfg
import oslo_i18n
from requests_mock.contrib import fixture as rm_fixture
import testtools

from mixmatch_deploy import cinder
from mixmatch_deploy import cli
from mixmatch_deploy import exception
from mixmatch_deploy import federation
from mixmatch_deploy import inifile
from mixmatch_deploy import keystone

URL = 'http://keystone.test/v3'


class TestSetOptions(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.path = pathlib.Path(
            self.useFixture(fixtures.TempDir()).path) / 'nova.conf'

    def test_new_file(self):
        inifile.set_options(self.path, 'mixmatch', {'enabled': 'true'})
        self.assertEqual('[mixmatch]\nenabled = true\n',
                         self.path.read_text())

    def test_keeps_the_rest_and_replaces_in_place(self):
        self.path.write_text(
            '[DEFAULT]\n# keep me\ndebug = true\n\n'
            '[mixmatch]\nenabled = false\nenabled = false\n\n'
            '[cinder]\nx = 1\n')
        inifile.set_options(self.path, 'mixmatch', {
            'enabled': 'true', 'home_auth_url': URL})
        self.assertEqual(
            '[DEFAULT]\n# keep me\ndebug = true\n\n'
            '[mixmatch]\nenabled = true\nhome_auth_url = %s\n\n'
            '[cinder]\nx = 1\n' % URL, self.path.read_text())

    def test_idempotent(self):
        self.path.write_text('[DEFAULT]\ndebug = true\n')
        for _ in range(2):
            inifile.set_options(self.path, 'mixmatch', {'enabled': 'true'})
        self.assertEqual('[DEFAULT]\ndebug = true\n\n'
                         '[mixmatch]\nenabled = true\n',
                         self.path.read_text())


class TestKeystone(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.requests = self.useFixture(rm_fixture.Fixture())
        self.ks = keystone.Keystone(adapter.Adapter(
            session.Session(), endpoint_override=URL))
        self.path = '/OS-FEDERATION/service_providers/bu'
        self.body = {'auth_url': 'a', 'sp_url': 's', 'enabled': True}

    def test_created(self):
        self.requests.get(URL + self.path, status_code=404)
        put = self.requests.put(URL + self.path, status_code=201, json={})
        self.assertEqual('created', self.ks.put_or_patch(
            self.path, 'service_provider', self.body))
        self.assertEqual({'service_provider': self.body},
                         put.last_request.json())

    def test_unchanged(self):
        self.requests.get(URL + self.path, json={
            'service_provider': dict(self.body, id='bu')})
        self.assertEqual('unchanged', self.ks.put_or_patch(
            self.path, 'service_provider', self.body))

    def test_updated_only_what_differs(self):
        self.requests.get(URL + self.path, json={
            'service_provider': dict(self.body, sp_url='old')})
        patch = self.requests.patch(URL + self.path, json={})
        self.assertEqual('updated', self.ks.put_or_patch(
            self.path, 'service_provider', self.body))
        self.assertEqual({'service_provider': {'sp_url': 's'}},
                         patch.last_request.json())

    def test_fields_sent_with_every_change(self):
        path = '/OS-FEDERATION/mappings/m'
        body = {'rules': ['new'], 'schema_version': '2.0'}
        self.requests.get(URL + path, json={
            'mapping': {'rules': ['old'], 'schema_version': '2.0'}})
        patch = self.requests.patch(URL + path, json={})
        self.assertEqual('updated', self.ks.put_or_patch(
            path, 'mapping', body, with_changes=('schema_version',)))
        # Keystone checks the rules of a patch by the schema it names
        self.assertEqual({'mapping': body}, patch.last_request.json())

    def test_immutable_field_refused(self):
        self.requests.get(URL + self.path, json={
            'service_provider': dict(self.body, domain_id='x')})
        self.assertRaises(
            exception.ConfigureError, self.ks.put_or_patch, self.path,
            'service_provider', dict(self.body, domain_id='y'),
            immutable=('domain_id',))

    # The calls the sandbox makes through this client.

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
        self.assertRaises(exception.ConfigureError, self.ks.grant,
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


class TestMapping(testtools.TestCase):

    def test_default_mapping(self):
        rules = federation.default_mapping('k2k-', ['member'])
        self.assertEqual(
            [{'name': 'k2k-{1}', 'roles': [{'name': 'member'}]}],
            rules[0]['local'][0]['projects'])
        self.assertEqual(['openstack_user', 'openstack_project',
                          'openstack_roles'],
                         [r['type'] for r in rules[0]['remote']])
        # Home service users, and only they, are services there.
        self.assertEqual(
            [{'name': 'k2k-{1}', 'roles': [{'name': 'service'}]}],
            rules[1]['local'][0]['projects'])
        self.assertEqual({'type': 'openstack_roles',
                          'any_one_of': ['service']}, rules[1]['remote'][2])

    def test_services_group(self):
        rules = federation.default_mapping('k2k-', ['member'], 'gid')
        self.assertNotIn('group', rules[0]['local'][0])
        self.assertEqual({'id': 'gid'}, rules[1]['local'][0]['group'])


class TestChainedMapping(testtools.TestCase):
    """Keystone's own rule processor on the assertions NU would sign."""

    def setUp(self):
        super().setUp()
        from keystone.conf import federation as federation_opts
        from keystone.federation import utils
        # importing keystone turns oslo.i18n's lazy translation on for the
        # whole process, which python-novaclient's shell cannot take
        self.addCleanup(oslo_i18n.enable_lazy, False)
        # Keystone's [federation] options at their defaults, not on the
        # global CONF (other libraries' options clash there)
        conf = cfg.ConfigOpts()
        federation_opts.register_opts(conf)
        conf([], default_config_files=[])
        self.useFixture(fixtures.MockPatchObject(utils, 'CONF', conf))
        rules = federation.chained_mapping('nu', 'moc', 'bu-moc',
                                           services_group='gid')
        mapping = {'id': 'nu_saml2', 'rules': rules,
                   'schema_version': federation.CHAINED_SCHEMA_VERSION}
        utils.validate_mapping_structure(mapping)
        # the processor of the mapping's schema, as Keystone picks it
        self.processor = utils.create_attribute_mapping_rules_processor(
            mapping)

    def process(self, user, project, user_domain, project_domain,
                roles='member'):
        return self.processor.process({
            'openstack_user': user, 'openstack_project': project,
            'openstack_user_domain': user_domain,
            'openstack_project_domain': project_domain,
            'openstack_roles': roles})

    def refused(self, *assertion):
        from keystone import exception as ks_exception
        self.assertRaises(ks_exception.ValidationError, self.process,
                          *assertion)

    def test_a_chained_user_reaches_the_project_of_its_own_idp(self):
        mapped = self.process('demo', 'k2k-demo', 'moc', 'moc')
        self.assertEqual(
            [{'name': 'k2k-demo', 'domain': {'name': 'bu-moc'},
              'roles': [{'name': 'member'}]}], mapped['projects'])
        self.assertEqual({'name': 'nu'}, mapped['user']['domain'])
        # not NU's own demo (below)
        self.assertEqual('demo@moc', mapped['user']['name'])

    def test_own_users_keep_the_default_rules(self):
        mapped = self.process('demo', 'demo', 'Default', 'Default')
        self.assertEqual(
            [{'name': 'k2k-demo', 'domain': {'name': 'nu'},
              'roles': [{'name': 'member'}]}], mapped['projects'])
        self.assertEqual({'name': 'nu'}, mapped['user']['domain'])
        self.assertEqual('demo', mapped['user']['name'])
        nova = self.process('nova', 'service', 'Default', 'Default',
                            'service;admin')
        self.assertEqual(['gid'], nova['group_ids'])

    def test_own_user_in_a_project_of_the_chained_domain_refused(self):
        self.refused('mallory', 'k2k-demo', 'Default', 'moc')

    def test_chained_user_outside_its_domain_refused(self):
        self.refused('demo', 'demo', 'moc', 'Default')

    def test_chained_project_not_made_by_a_mapping_refused(self):
        self.refused('demo', 'ghost', 'moc', 'moc')

    def test_chained_user_without_a_home_role_refused(self):
        self.refused('demo', 'k2k-demo', 'moc', 'moc', 'reader')


class TestMain(testtools.TestCase):

    def test_chained_domains_go_together(self):
        self.assertEqual(1, cli.main([
            '--os-auth-url', URL, 'register-identity-provider', 'nu',
            '--remote-id', 'x', '--chained-remote-domain', 'moc']))

    def test_nova(self):
        path = pathlib.Path(self.useFixture(fixtures.TempDir()).path) / 'n'
        self.assertEqual(0, cli.main([
            'nova', '--config-file', str(path), '--home-auth-url', URL,
            '--service-providers', 'a,b', '--auth-section', 'service_user']))
        self.assertIn('service_providers = a,b', path.read_text())
        self.assertIn('auth_section = service_user', path.read_text())

    def _cinder(self, path, home='moc', cred='ac1', *extra):
        return cli.main([
            'cinder', '--config-file', str(path), '--home-cloud', home,
            '--home-auth-url', URL, '--application-credential-id', cred,
            *extra])

    def test_cinder(self):
        path = pathlib.Path(self.useFixture(fixtures.TempDir()).path) / 'c'
        path.write_text('[DEFAULT]\nhost = foreign\n')
        self.useFixture(fixtures.EnvironmentVariable(
            cinder.SECRET_VARIABLE, 's3cret'))
        for home, cred in (('moc', 'ac1'), ('nu', 'ac2'), ('moc', 'ac3')):
            self.assertEqual(0, self._cinder(path, home, cred))
        text = path.read_text()
        # Cinder's default extensions are kept beside mixmatch's.
        self.assertIn('[DEFAULT]\nhost = foreign\n'
                      'compute_api_class = cinder_mixmatch.compute.API\n'
                      'osapi_volume_extension = '
                      'cinder.api.contrib.standard_extensions\n'
                      'osapi_volume_extension = '
                      'cinder_mixmatch.extension.Mixmatch\n',
                      text)
        self.assertIn('[mixmatch]\nhome_clouds = moc,nu\n', text)
        self.assertNotIn('local_compute_api_class', text)
        self.assertIn('[mixmatch_home_moc]\n'
                      'auth_type = v3applicationcredential\n'
                      'auth_url = %s\n'
                      'application_credential_secret = s3cret\n'
                      'application_credential_id = ac3\n' % URL, text)
        self.assertIn('application_credential_id = ac2', text)

    def test_cinder_keeps_the_operators_settings(self):
        path = pathlib.Path(self.useFixture(fixtures.TempDir()).path) / 'c'
        path.write_text('[DEFAULT]\n'
                        'osapi_volume_extension = site.Ext\n'
                        'compute_api_class = site.compute.API\n')
        self.useFixture(fixtures.EnvironmentVariable(
            cinder.SECRET_VARIABLE, 's3cret'))
        for _ in range(2):
            self.assertEqual(0, self._cinder(path))
        text = path.read_text()
        self.assertIn('[DEFAULT]\n'
                      'osapi_volume_extension = site.Ext\n'
                      'osapi_volume_extension = '
                      'cinder_mixmatch.extension.Mixmatch\n'
                      'compute_api_class = cinder_mixmatch.compute.API\n',
                      text)
        # The operator's compute API serves this cloud's own servers.
        self.assertIn('[mixmatch]\nhome_clouds = moc\n'
                      'local_compute_api_class = site.compute.API\n', text)

    def test_cinder_conf_holds_a_secret(self):
        tmp = pathlib.Path(self.useFixture(fixtures.TempDir()).path)
        self.useFixture(fixtures.EnvironmentVariable(
            cinder.SECRET_VARIABLE, 's3cret'))
        new, existing = tmp / 'new.conf', tmp / 'existing.conf'
        existing.write_text('[DEFAULT]\n')
        existing.chmod(0o644)
        for path in (new, existing):
            self.assertEqual(0, self._cinder(path))
        self.assertEqual(0o600, stat.S_IMODE(new.stat().st_mode))
        # The service's group keeps reading it; others do not.
        self.assertEqual(0o640, stat.S_IMODE(existing.stat().st_mode))

    def test_cinder_secret_from_a_file_never_from_argv(self):
        tmp = pathlib.Path(self.useFixture(fixtures.TempDir()).path)
        self.useFixture(fixtures.EnvironmentVariable(
            cinder.SECRET_VARIABLE))
        secret = tmp / 'secret'
        secret.write_text('fr0m-file\n')
        path = tmp / 'c'
        self.assertEqual(0, self._cinder(
            path, 'moc', 'ac1', '--application-credential-secret-file',
            str(secret)))
        self.assertIn('application_credential_secret = fr0m-file\n',
                      path.read_text())
        self.assertRaises(SystemExit, self._cinder, path, 'moc', 'ac1',
                          '--application-credential-secret', 'argv')

    def test_cinder_needs_a_secret(self):
        path = pathlib.Path(self.useFixture(fixtures.TempDir()).path) / 'c'
        self.useFixture(fixtures.EnvironmentVariable(
            cinder.SECRET_VARIABLE))
        self.assertEqual(1, cli.main([
            'cinder', '--config-file', str(path), '--home-cloud', 'moc',
            '--home-auth-url', URL, '--application-credential-id', 'x']))
        self.assertFalse(path.exists())
