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

import re
import urllib.parse
import uuid

from keystoneauth1 import exceptions as ksa_exception
from keystoneauth1 import fixture as ksa_fixture
from oslo_config import cfg
from oslotest import base
from requests_mock.contrib import fixture as rm_fixture

from cinder_mixmatch import conf as conf_mod
from cinder_mixmatch import home_nova

AUTH_URL = 'https://keystone.home.example.org/v3'
NOVA = 'https://nova.home.example.org/v2.1'


class HomeNovaTest(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.conf = cfg.ConfigOpts()
        conf_mod.register_opts(self.conf)
        self.requests = self.useFixture(rm_fixture.Fixture())
        self._catalog(NOVA)

    def _catalog(self, nova):
        """The home Keystone's tokens list Nova at ``nova``."""
        token = ksa_fixture.V3Token()
        token.set_project_scope()
        service = token.add_service('compute')
        service.add_standard_endpoints(public=nova, region='RegionOne')
        self.requests.post(AUTH_URL + '/auth/tokens', json=token,
                           headers={'X-Subject-Token': uuid.uuid4().hex})

    def _configure(self, home_clouds=('home',), **auth):
        """Parse a cinder.conf.

        keystoneauth registers the options of the auth plugin it names as
        it loads it: set_override cannot come first.
        """
        path = self.create_tempfiles([('cinder', '\n'.join(
            ['[mixmatch]', 'home_clouds = ' + ','.join(home_clouds),
             '[mixmatch_home_home]'] +
            ['%s = %s' % kv for kv in auth.items()]))])[0]
        self.conf(['--config-file', path], project='cinder')

    def _application_credential(self):
        self._configure(auth_type='v3applicationcredential',
                        auth_url=AUTH_URL,
                        application_credential_id='ac',
                        application_credential_secret='s')

    def test_home_not_listed(self):
        self._configure(home_clouds=())
        self.assertRaises(home_nova.HomeNotConfigured,
                          home_nova.HomeNova, self.conf, 'home')

    def test_home_without_identity(self):
        self._configure()
        self.assertRaises(home_nova.HomeNotConfigured,
                          home_nova.HomeNova, self.conf, 'home')

    def test_send_events(self):
        self._application_credential()
        events = [{'name': 'volume-extended', 'server_uuid': 's',
                   'tag': 'v'}]
        self.requests.post(NOVA + '/os-server-external-events', json={
            'events': [dict(events[0], code=200, status='completed')]})
        answers = home_nova.HomeNova(self.conf, 'home').send_events(
            events, '2.51')
        self.assertEqual(200, answers[0]['code'])
        sent = self.requests.request_history[-1]
        self.assertEqual({'events': events}, sent.json())
        self.assertEqual('compute 2.51',
                         sent.headers['OpenStack-API-Version'])
        auth = self.requests.request_history[0].json()['auth']['identity']
        self.assertEqual({'id': 'ac', 'secret': 's'},
                         auth['application_credential'])

    def test_server_volume(self):
        self._application_credential()
        self.requests.get(NOVA + '/servers/s/os-volume_attachments/v', json={
            'volumeAttachment': {'volumeId': 'v', 'attachment_id': 'a'}})
        self.assertEqual(
            {'volumeId': 'v', 'attachment_id': 'a'},
            home_nova.HomeNova(self.conf, 'home').server_volume('s', 'v'))
        self.assertEqual('compute 2.89', self.requests.request_history[-1]
                         .headers['OpenStack-API-Version'])

    def test_server_volume_not_found(self):
        self._application_credential()
        self.requests.get(NOVA + '/servers/s/os-volume_attachments/v',
                          status_code=404)
        self.assertRaises(ksa_exception.NotFound,
                          home_nova.HomeNova(self.conf, 'home').server_volume,
                          's', 'v')

    def test_assisted_snapshots(self):
        self._application_credential()
        self.requests.post(NOVA + '/os-assisted-volume-snapshots', json={})
        self.requests.delete(NOVA + '/os-assisted-volume-snapshots/sn',
                             status_code=204)
        nova = home_nova.HomeNova(self.conf, 'home')
        nova.create_volume_snapshot('v', {'type': 'qcow2'})
        self.assertEqual({'snapshot': {'volume_id': 'v',
                                       'create_info': {'type': 'qcow2'}}},
                         self.requests.request_history[-1].json())
        nova.delete_volume_snapshot('sn', {'type': 'qcow2'})
        self.assertEqual(['{"type": "qcow2"}'],
                         self.requests.request_history[-1].qs['delete_info'])

    def _assert_access_rules_cover_every_call(self, nova, rules):
        self._catalog(nova)
        self._application_credential()
        anything = re.compile(re.escape(nova.rstrip('/')) + '/.*')
        for method in ('GET', 'POST', 'DELETE'):
            self.requests.register_uri(method, anything, json={
                'events': [], 'volumeAttachment': {}})
        nova_api = home_nova.HomeNova(self.conf, 'home')
        nova_api.send_events([], '2.51')
        nova_api.server_volume('s', 'v')
        nova_api.create_volume_snapshot('v', {})
        nova_api.delete_volume_snapshot('sn', {})
        calls = [(r.method, urllib.parse.urlsplit(r.url).path)
                 for r in self.requests.request_history
                 if r.url.startswith(nova.rstrip('/'))]
        self.assertEqual(4, len(calls))
        for method, path in calls:
            self.assertTrue(
                [r for r in rules if r['method'] == method and
                 re.fullmatch(r['path'].replace('*', '[^/]+'), path)],
                '%s %s has no access rule' % (method, path))

    def test_access_rules_cover_every_call(self):
        self._assert_access_rules_cover_every_call(
            NOVA, home_nova.access_rules())

    def test_access_rules_under_the_endpoint_path(self):
        # devstack serves Nova under /compute, behind its web server
        nova = 'http://home.example.org/compute/v2.1/'
        rules = home_nova.access_rules(nova)
        self.assertEqual(
            {'/compute/v2.1/os-server-external-events',
             '/compute/v2.1/servers/*/os-volume_attachments/*',
             '/compute/v2.1/os-assisted-volume-snapshots',
             '/compute/v2.1/os-assisted-volume-snapshots/*'},
            {r['path'] for r in rules})
        self.assertEqual(rules, home_nova.access_rules('/compute/v2.1'))
        self._assert_access_rules_cover_every_call(nova, rules)

    def test_default_rules_miss_a_prefixed_endpoint(self):
        # the /v2.1 rules would get every devstack callback a 401
        self.assertRaises(
            AssertionError, self._assert_access_rules_cover_every_call,
            'http://home.example.org/compute/v2.1', home_nova.access_rules())

    def test_one_client_per_home(self):
        self._application_credential()
        novas = home_nova.HomeNovas(self.conf)
        self.assertIs(novas('home'), novas('home'))
        self.assertRaises(home_nova.HomeNotConfigured, novas, 'other')

    def test_list_opts(self):
        groups = dict((getattr(g, 'name', g), opts)
                      for g, opts in conf_mod.list_opts())
        self.assertEqual({'mixmatch', 'mixmatch_home_<id>'}, set(groups))
        names = {o.name for o in groups['mixmatch_home_<id>']}
        self.assertLessEqual({'interface', 'region_name', 'cafile',
                              'auth_type', 'application_credential_secret'},
                             names)
