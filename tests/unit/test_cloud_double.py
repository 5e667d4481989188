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

"""Drive the cloud double with the real keystoneauth1 and cinderclient."""

import uuid

from cinderclient import client as cinder_client
from cinderclient import exceptions as cinder_exc
from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
from nova.volume import cinder as nova_cinder
from oslotest import base
import requests

from tests.doubles import cloud


class TestCloudDouble(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.cloud = self.useFixture(cloud.CloudDouble(('sp1', 'sp2')))
        self.token = self.cloud.add_user('alice', 'proj-a')
        self.session = ks_session.Session()

    def _k2k(self, home_token='', sp='sp1', project='k2k-proj-a'):
        home = v3.Token(self.cloud.home_auth_url, home_token or self.token,
                        project_id=home_token.partition(':')[2] or 'proj-a')
        return v3.Keystone2Keystone(home, sp, project_id=project)

    def _cinder(self, auth):
        url = auth.get_access(self.session).service_catalog.url_for(
            service_type='block-storage', interface='public')
        return cinder_client.Client('3.44', session=self.session, auth=auth,
                                    endpoint_override=url)

    def test_attach_lifecycle(self):
        vol_id = self.cloud.create_volume('sp1', 'k2k-proj-a', name='data')
        auth = self._k2k()
        access = auth.get_access(self.session)
        self.assertEqual('k2k-proj-a', access.project_id)
        self.assertEqual('alice', access.username)
        self.assertEqual(self.cloud.cinder_url('sp1') + 'v3/k2k-proj-a',
                         access.service_catalog.url_for(
                             service_type='volumev3', interface='public'))
        cinder = self._cinder(auth)

        def status():
            return cinder.volumes.get(vol_id).status

        server = str(uuid.uuid4())
        att = cinder.attachments.create(vol_id, None, instance_id=server)
        self.assertEqual(('reserved', 'reserved'), (att['status'], status()))
        self.assertRaises(cinder_exc.BadRequest, cinder.attachments.create,
                          vol_id, None, instance_id=str(uuid.uuid4()))
        conn = nova_cinder._translate_attachment_ref(
            cinder.attachments.update(
                att['id'], {'host': 'compute1', 'mountpoint': '/dev/vdb'}
            ).to_dict())['connection_info']
        self.assertEqual(('fake', vol_id), (conn['driver_volume_type'],
                                            conn['data']['volume_id']))
        self.assertEqual('attaching', status())
        cinder.attachments.complete(att['id'])
        vol = nova_cinder._untranslate_volume_summary_view(
            None, cinder.volumes.get(vol_id))
        self.assertEqual(('in-use', 'attached', '/dev/vdb'), (
            vol['status'], vol['attach_status'],
            vol['attachments'][server]['mountpoint']))
        self.assertEqual(
            [att['id']],
            [a.id for a in cinder.attachments.list(
                search_opts={'instance_id': server})])
        cinder.attachments.delete(att['id'])
        self.assertEqual('available', status())
        self.assertEqual({}, self.cloud.attachments('sp1'))
        self.assertEqual(1, self.cloud.ecp_exchanges['sp1'])
        self.assertFalse([r for r in self.cloud.requests
                          if 'X-Service-Token' in r[3]])

    def test_token_checks(self):
        other = self.cloud.create_volume('sp1', 'someone-else')
        auth = self._k2k()
        cinder = self._cinder(auth)
        self.assertRaises(cinder_exc.NotFound, cinder.volumes.get, other)
        self.assertRaises(ksa_exc.Unauthorized,
                          self._k2k(project='elsewhere').get_token,
                          self.session)
        self.cloud.add_remote_project('sp1', 'carol', 'shared')
        self.assertTrue(self._k2k('carol:proj-c', project='shared').get_token(
            self.session))
        self.assertRaises(
            ksa_exc.Unauthorized,
            self._k2k('carol:other', project='k2k-proj-c').get_token,
            self.session)

    def test_revoked_sp_tokens_reauthenticate(self):
        vol_id = self.cloud.create_volume('sp1', 'k2k-proj-a')
        auth = self._k2k()
        cinder = self._cinder(auth)
        old = auth.get_token(self.session)
        url = self.cloud.cinder_url('sp1') + 'v3/k2k-proj-a/volumes/' + vol_id
        self.cloud.revoke_sp_tokens('sp1')
        resp = requests.get(url, headers={'X-Auth-Token': old})
        self.assertEqual(401, resp.status_code)
        # keystoneauth sees the 401, runs the K2K exchange again and retries.
        self.assertEqual('available', cinder.volumes.get(vol_id).status)
        self.assertNotEqual(old, auth.get_token(self.session))
        self.assertEqual(2, self.cloud.ecp_exchanges['sp1'])

    def test_disabled_service_provider(self):
        stale = self._k2k(sp='sp2')  # its home token still lists sp2
        stale._local_cloud_plugin.get_token(self.session)
        self.cloud.disable_service_provider('sp2')
        self.assertRaises(ksa_exc.AuthorizationFailure, stale.get_token,
                          self.session)
        fresh = v3.Token(self.cloud.home_auth_url, self.token,
                         project_id='proj-a')
        self.assertRaises(
            ksa_exc.ServiceProviderNotFound,
            fresh.get_access(self.session).service_providers.get_auth_url,
            'sp2')
        # keystoneauth1 5.18 asserts that the home token lists the SP.
        self.assertRaises(AssertionError,
                          v3.Keystone2Keystone(fresh, 'sp2').get_token,
                          self.session)
        self.assertEqual(0, self.cloud.ecp_exchanges['sp2'])

    def test_password_and_down(self):
        self.cloud.add_user('bob', 'proj-b', password='secret')
        home = v3.Password(self.cloud.home_auth_url, user_id='bob',
                           password='secret', project_id='proj-b')
        auth = v3.Keystone2Keystone(home, 'sp1', project_id='k2k-proj-b')
        cinder = self._cinder(auth)
        self.cloud.set_down('sp1', cinder=True)
        exc = self.assertRaises(cinder_exc.ClientException,
                                cinder.volumes.list)
        self.assertEqual(503, exc.code)
        self.cloud.set_down('sp1', cinder=False, keystone=True)
        self.assertEqual([], cinder.volumes.list())
        auth.invalidate()
        self.assertRaises(ksa_exc.ServiceUnavailable, auth.get_token,
                          self.session)
