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

"""The foreign Cinder's callbacks reach the home Nova (cinder_mixmatch).

The sandbox's foreign cloud is storage only: its Cinder runs with
``compute_api_class = cinder_mixmatch.compute.API`` and the API
extension, and calls the home Nova back with an application credential
of a home user. Every check goes through the clouds' APIs.
"""

import uuid

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session

from mixmatch_sandbox.clouds import foreign
from mixmatch_sandbox.clouds import home
from mixmatch_sandbox import credentials
from mixmatch_sandbox.services import cinder
from tests.integration import base

EXTEND_IN_USE = 'volume 3.42'
ATTACHMENTS = 'volume 3.27'
NOT_500 = 'answered %s: %s'


class TestCinderCallbacks(base.TestCase):

    def setUp(self):
        super().setUp()
        self.demo, self.demo_url = self.clients.cinder('foreign')
        self.admin, self.admin_url = self.clients.cinder('foreign-admin')

    def _demo(self, method, path, version=ATTACHMENTS, **kw):
        """A call to the foreign Cinder as the home demo user, by K2K."""
        return self.demo.request(
            self.demo_url + path, method, raise_exc=False,
            headers={'OpenStack-API-Version': version}, **kw)

    def _admin(self, method, path, version=ATTACHMENTS, **kw):
        return self.admin.request(
            self.admin_url + path, method, raise_exc=False,
            headers={'OpenStack-API-Version': version}, **kw)

    def _extend(self, volume, size):
        resp = self._demo('POST', '/volumes/%s/action' % volume,
                          EXTEND_IN_USE,
                          json={'os-extend': {'new_size': size}})
        self.assertEqual(202, resp.status_code, resp.text)
        self.clients.wait(
            lambda: self.clients.volume('foreign', volume)['size'], size,
            'size of volume %s' % volume)

    def _extend_events(self, server):
        """The finished events of the server's extend_volume action.

        As (event, result), which only the home admin sees.
        """
        admin = credentials.admin_session(self.sb, home.CLOUD)
        nova = self.sb.url('nova-api', '/v2.1/servers/%s/os-instance-actions'
                           % server)
        found = [a for a in admin.get(nova).json()['instanceActions']
                 if a['action'] == 'extend_volume']
        if not found:
            return []
        action = admin.get(nova + '/' + found[0]['request_id']).json()[
            'instanceAction']
        return [(e['event'], e['result']) for e in action.get('events', [])
                if e['result']]

    def _server_actions(self, server):
        return [a['action'] for a in self.compute(
            'GET', '/servers/%s/os-instance-actions' % server).json()[
                'instanceActions']]

    def test_attachment_names_its_home_cloud_and_server(self):
        server, volume = self.attached_server()
        attachment = self.home_attachments(server)[volume]
        resp = self._admin('GET', '/os-mixmatch-attachments',
                           params={'home': foreign.IDP_ID})
        self.assertEqual(200, resp.status_code, resp.text)
        mine = [a for a in resp.json()['attachments']
                if a['volume_id'] == volume]
        self.assertEqual(
            [(attachment, foreign.IDP_ID, server, self.host(server),
              'attached')],
            [(a['id'], a['home'], a['server_id'], a['host'],
              a['attach_status']) for a in mine])
        other = self._admin('GET', '/os-mixmatch-attachments',
                            params={'home': 'elsewhere'}).json()
        self.assertNotIn(volume, [a['volume_id']
                                  for a in other['attachments']])
        # the admin's view only: a project member is refused
        self.assertEqual(403, self._demo(
            'GET', '/os-mixmatch-attachments').status_code)

    def test_extend_in_use_reaches_the_home_nova(self):
        server, volume = self.attached_server()
        self.assertNotIn('extend_volume', self._server_actions(server))
        self._extend(volume, 2)
        # The home Nova takes the volume-extended event (an instance
        # action), and its compute carries it out: it reads the new size
        # at the provider as Nova itself, then tells the (fake) driver.
        self.clients.wait(
            lambda: self._extend_events(server), [('compute_extend_volume',
                                                   'Success')],
            'extend_volume action of server %s' % server)
        self.assertForeignAttached(server, volume)
        messages = self._demo('GET', '/messages', 'volume 3.3').json()
        self.assertEqual([], [m for m in messages['messages']
                              if m['resource_uuid'] == volume])

    def test_user_delete_of_an_attachment_in_use_is_refused(self):
        server, volume = self.attached_server()
        attachment = self.home_attachments(server)[volume]
        resp = self._demo('DELETE', '/attachments/' + attachment)
        self.assertEqual(409, resp.status_code, resp.text)
        self.assertIn('Detach volume from instance %s' % server, resp.text)
        self.assertEqual(attachment,
                         self.assertForeignAttached(server, volume))
        # The home Nova's own detach, with its federated service token,
        # still goes through.
        self.clients.detach(server, volume)
        self.clients.wait_volume('foreign', volume, 'available')
        self.assertForeignAvailable(volume)
        self.assertEqual({}, self.home_attachments(server))

    def _other_backend(self, volume):
        here = self.clients.volume('foreign-admin', volume)[
            'os-vol-host-attr:host'].split('#')[0]
        pools = self._admin('GET', '/scheduler-stats/get_pools').json()[
            'pools']
        return next(p['name'].split('#')[0] for p in pools
                    if p['name'].split('#')[0] != here)

    def test_migrate_or_retype_in_use_is_refused_up_front(self):
        server, volume = self.attached_server()
        before = self.clients.volume('foreign-admin', volume)
        for action in (
                {'os-migrate_volume': {'host': self._other_backend(volume)}},
                {'os-retype': {'new_type': 'fake',
                               'migration_policy': 'on-demand'}}):
            resp = self._admin('POST', '/volumes/%s/action' % volume,
                               json=action)
            self.assertEqual(409, resp.status_code, resp.text)
            self.assertIn('in use by a server of cloud %s' % foreign.IDP_ID,
                          resp.json()['conflictingRequest']['message'])
        after = self.clients.volume('foreign-admin', volume)
        for key in ('os-vol-host-attr:host', 'migration_status', 'status'):
            self.assertEqual(before[key], after[key], key)
        self.assertForeignAttached(server, volume)

    def test_the_callback_credential_does_the_callbacks_only(self):
        """The foreign Cinder's home identity: admin, narrowed by rules."""
        home_nova = ks_session.Session(auth=v3.ApplicationCredential(
            auth_url=self.sb.keystone_url(home.CLOUD),
            application_credential_name=foreign.HOME_CALLBACK_CREDENTIAL,
            application_credential_secret=credentials.secret(
                self.sb, home.CLOUD, foreign.HOME_CALLBACK_CREDENTIAL),
            username=foreign.HOME_CALLBACK_USER, user_domain_id='default'))
        nova = self.sb.url('nova-api', '/v2.1')
        self.assertEqual(401, home_nova.get(
            nova + '/servers', raise_exc=False).status_code)
        # let through: Nova itself answers that it has no such server
        resp = home_nova.post(
            nova + '/os-server-external-events', raise_exc=False,
            headers={'OpenStack-API-Version': 'compute 2.51'},
            json={'events': [{'name': 'volume-extended',
                              'server_uuid': str(uuid.uuid4()),
                              'tag': str(uuid.uuid4())}]})
        self.assertEqual(207, resp.status_code, resp.text)
        self.assertEqual([404], [e['code'] for e in resp.json()['events']])

    def _service_session(self):
        """The foreign admin, with the foreign Cinder's service token."""
        service = ks_session.Session(auth=credentials.password_auth(
            self.sb, foreign.CLOUD, cinder.USER, credentials.SERVICE_PROJECT))
        return credentials.admin_session(self.sb, foreign.CLOUD), {
            'X-Service-Token': service.get_token()}

    def _delete_as_service(self, attachment):
        session, headers = self._service_session()
        url = session.get_endpoint(service_type='block-storage',
                                   interface='public')
        resp = session.delete(
            url + '/attachments/' + attachment, raise_exc=False,
            headers=dict(headers, **{'OpenStack-API-Version': ATTACHMENTS}))
        # 404: the home Nova's reconciler released it (one of its cloud's
        # that no server of its holds) after [mixmatch] reconcile_grace
        self.assertIn(resp.status_code, (200, 404), resp.text)

    def _attach_directly(self, call, volume, home_claimed):
        """An attachment made through the attachments API, not by Nova."""
        resp = call('POST', '/attachments', json={'attachment': {
            'volume_uuid': volume, 'instance_uuid': str(uuid.uuid4()),
            'connector': {'host': 'elsewhere', 'initiator': 'fake',
                          'ip': '127.0.0.1', 'mixmatch_home': home_claimed}}})
        self.assertEqual(200, resp.status_code, resp.text)
        attachment = resp.json()['attachment']['id']
        self.addCleanup(self._delete_as_service, attachment)
        call('POST', '/attachments/%s/action' % attachment, 'volume 3.44',
             json={'os-complete': None})
        return attachment

    def _homes_listed(self):
        return {a['id']: a['home'] for a in self._admin(
            'GET', '/os-mixmatch-attachments').json()['attachments']}

    def test_a_connector_names_the_cloud_its_caller_comes_from(self):
        # A home user (federated from home) claiming another cloud gets
        # home; a user of this cloud claiming home gets this cloud.
        from_home = self._attach_directly(self._demo, self.volume('foreign'),
                                          'elsewhere')
        local = self._attach_directly(self._admin,
                                      self.volume('foreign-admin'), 'home')
        homes = self._homes_listed()
        self.assertEqual(foreign.IDP_ID, homes.get(from_home))
        self.assertNotIn(local, homes)

    def test_storage_only_cloud_never_answers_500(self):
        """A server of this cloud, which has no Nova.

        An attachment a user of this cloud made directly: the extend is
        still done (Cinder leaves the user a message that no compute
        service heard of it) and the delete is refused with 409, not 500.
        """
        volume = self.volume('foreign-admin')
        attachment = self._attach_directly(self._admin, volume, None)
        self.clients.wait_volume('foreign-admin', volume, 'in-use')

        resp = self._admin('POST', '/volumes/%s/action' % volume,
                           EXTEND_IN_USE,
                           json={'os-extend': {'new_size': 2}})
        self.assertEqual(202, resp.status_code, resp.text)
        self.clients.wait(lambda: [
            m['user_message'] for m in self._admin(
                'GET', '/messages', 'volume 3.3').json()['messages']
            if m['resource_uuid'] == volume],
            ['extend volume:Compute service failed to extend volume.'],
            'the extend message of volume %s' % volume)
        self.assertEqual(
            2, self.clients.volume('foreign-admin', volume)['size'])

        resp = self._admin('DELETE', '/attachments/' + attachment)
        self.assertEqual(409, resp.status_code,
                         NOT_500 % (resp.status_code, resp.text))
        self.assertEqual('in-use',
                         self.clients.volume('foreign-admin', volume)[
                             'status'])
