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

"""Cross-cloud and local attach on two real clouds, K2K federated."""

import configparser

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session

from mixmatch_sandbox.clouds import federation
from mixmatch_sandbox.clouds import foreign
from mixmatch_sandbox.clouds import home
from mixmatch_sandbox.services import nova
from tests.integration import base


class TestTwoClouds(base.TestCase):

    def _attached(self, server):
        return [a['volumeId'] for a in self.clients.attachments(server)]

    def test_cross_cloud_attach_detach(self):
        c = self.clients
        volume = self.volume('foreign')
        server = self.boot()

        c.attach(server, volume, foreign.SP_ID)
        c.wait_volume('foreign', volume, 'in-use')
        self.assertEqual([volume], self._attached(server))
        # the foreign Cinder's own view, as its admin (who sees the host)
        seen = c.volume('foreign-admin', volume)
        self.assertEqual('in-use', seen['status'])
        self.assertEqual([(server, self.host(server))],
                         [(a['server_id'], a['host_name'])
                          for a in seen['attachments']])
        # the home Cinder never heard of it
        home_cinder, url = c.cinder('home')
        self.assertEqual(404, home_cinder.get(
            url + '/volumes/' + volume, raise_exc=False).status_code)

        c.detach(server, volume)
        c.wait_volume('foreign', volume, 'available')
        c.wait(lambda: self._attached(server), [], 'server attachments')
        self.assertEqual([], c.volume('foreign-admin',
                                      volume)['attachments'])

    def test_local_attach_detach(self):
        c = self.clients
        volume = self.volume('home')
        server = self.boot()

        c.attach(server, volume)
        c.wait_volume('home', volume, 'in-use')
        self.assertEqual([volume], self._attached(server))
        self.assertEqual([server], [a['server_id'] for a in
                                    c.volume('home', volume)['attachments']])

        c.detach(server, volume)
        c.wait_volume('home', volume, 'available')
        c.wait(lambda: self._attached(server), [], 'server attachments')

    def test_k2k_token_issued_by_the_sp_through_federation(self):
        c = self.clients
        token = c.foreign.get_token()
        # the foreign Keystone's own account of that token
        admin = c.foreign_admin
        info = admin.get(self.sb.keystone_url(foreign.CLOUD) + '/auth/tokens',
                         headers={'X-Subject-Token': token}).json()['token']
        self.assertIn('saml2', info['methods'])
        federation = info['user']['OS-FEDERATION']
        self.assertEqual(foreign.IDP_ID, federation['identity_provider']['id'])
        self.assertEqual('saml2', federation['protocol']['id'])
        self.assertEqual('k2k-demo', info['project']['name'])
        # an identity of the foreign cloud, not the home user
        self.assertNotEqual(c.home.get_user_id(), info['user']['id'])

    def test_bad_service_provider_is_refused(self):
        c = self.clients
        volume = self.volume('foreign')
        server = self.boot()
        before = c.volume('foreign-admin', volume)

        resp = c.attach(server, volume, 'no-such-provider', raise_exc=False)

        self.assertEqual(400, resp.status_code, resp.text)
        self.assertIn('no-such-provider', resp.text)
        self.assertEqual([], self._attached(server))
        after = c.volume('foreign-admin', volume)
        self.assertEqual(('available', []),
                         (after['status'], after['attachments']))
        self.assertEqual(before['updated_at'], after['updated_at'])

    def test_nova_identity_is_a_home_service_user_federated(self):
        """[mixmatch] names [service_user]: a service at home and at the SP.

        Its K2K token is the service token of the foreign Cinder.
        """
        for host in (None,) + home.COMPUTE_HOSTS:
            name = nova.config_path(self.sb, home.CLOUD, host)
            conf = configparser.ConfigParser(interpolation=None)
            conf.read(name)
            self.assertEqual(nova.MIXMATCH_AUTH_SECTION,
                             conf['mixmatch']['auth_section'], name)
            self.assertNotIn('auth_type', conf['mixmatch'], name)
            user = conf[nova.MIXMATCH_AUTH_SECTION]
            self.assertEqual('true', user['send_service_user_token'])
        nova_auth = v3.Password(
            auth_url=user['auth_url'], username=user['username'],
            password=user['password'], project_name=user['project_name'],
            user_domain_name=user['user_domain_name'],
            project_domain_name=user['project_domain_name'])
        access = nova_auth.get_access(ks_session.Session())
        self.assertTrue(access.project_scoped)
        self.assertEqual('service', access.project_name)
        self.assertIn('service', access.role_names)

        k2k = federation.k2k_auth(nova_auth, 'service')
        there = k2k.get_access(ks_session.Session())
        self.assertIn('service', there.role_names)
        self.assertEqual('k2k-service', there.project_name)
