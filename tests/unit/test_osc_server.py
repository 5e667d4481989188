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

"""The server volume commands of mixmatch_client."""

from unittest import mock

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
from osc_lib import exceptions
from oslotest import base

from mixmatch_client import clouds
from mixmatch_client import plugin
from mixmatch_client import server
from tests.doubles import cloud


class ForeignVolumeAttachmentTest(base.BaseTestCase):

    def test_request_names_the_cloud(self):
        request = server.ForeignVolumeAttachment.new(
            server_id='srv', volume_id='vol', service_provider='sp1',
            remote_project='proj')._prepare_request(requires_id=False)
        self.assertEqual(
            ('/servers/srv/os-volume_attachments',
             {'volumeAttachment': {'volumeId': 'vol',
                                   'service_provider': 'sp1',
                                   'remote_project': 'proj'}}),
            (request.url, request.body))


class FederatedTestCase(base.BaseTestCase):
    """alice of proj-a, federated to sp1 of the HTTP double."""

    def setUp(self):
        super().setUp()
        self.cloud = self.useFixture(cloud.CloudDouble(('sp1',)))
        token = self.cloud.add_user('alice', 'proj-a')
        self.scope = clouds.Clouds(ks_session.Session(auth=v3.Token(
            self.cloud.home_auth_url, token,
            project_id='proj-a'))).federate('sp1')


class FindVolumeTest(FederatedTestCase):
    """At a service provider of the HTTP double, by K2K."""

    def setUp(self):
        super().setUp()
        self.volume = self.cloud.create_volume('sp1', 'k2k-proj-a',
                                               name='data')

    def test_by_id_or_name(self):
        for name_or_id in (self.volume, 'data'):
            self.assertEqual(self.volume, server.find_volume(
                self.scope, name_or_id)['id'])

    def test_missing_or_ambiguous(self):
        self.assertRaisesRegex(
            exceptions.CommandError, "No volume named or with ID 'nope' in "
            "project k2k-proj-a at service provider sp1",
            server.find_volume, self.scope, 'nope')
        self.cloud.create_volume('sp1', 'k2k-proj-a', name='data')
        self.assertRaisesRegex(exceptions.CommandError, 'More than one',
                               server.find_volume, self.scope, 'data')

    def test_provider_down(self):
        self.cloud.set_down('sp1', cinder=True)
        self.assertRaisesRegex(
            exceptions.CommandError,
            r'Service provider sp1: Service Unavailable \(HTTP 503\)',
            server.find_volume, self.scope, self.volume)


class FindImageTest(FederatedTestCase):
    """``server create --image-service-provider``'s image, by K2K."""

    def setUp(self):
        super().setUp()
        self.image = self.cloud.create_image('sp1', 'k2k-proj-a',
                                             name='far')
        self.cloud.create_image('sp1', 'someone-else', name='private')

    def test_by_id_or_name(self):
        for name_or_id in (self.image, 'far'):
            self.assertEqual(self.image, server.find_image(
                self.scope, name_or_id)['id'])

    def test_missing_or_not_visible(self):
        self.assertRaisesRegex(
            exceptions.CommandError, "No image named or with ID 'private' "
            "in project k2k-proj-a at service provider sp1",
            server.find_image, self.scope, 'private')


class FederateTest(base.BaseTestCase):

    def test_remote_project_needs_its_provider(self):
        args = mock.Mock(image_service_provider=None,
                         image_remote_project='p1')
        self.assertRaisesRegex(
            exceptions.CommandError,
            '--image-remote-project requires --image-service-provider',
            server.federate, mock.Mock(), args, 'image-')

    def test_the_scope_of_the_options(self):
        app = mock.Mock()
        args = mock.Mock(volume_service_provider='sp1',
                         volume_remote_project=None)
        self.assertIs(app.client_manager.mixmatch.federate.return_value,
                      server.federate(app, args, 'volume-'))
        app.client_manager.mixmatch.federate.assert_called_once_with(
            'sp1', None)


class ProvidersTest(base.BaseTestCase):
    """Where ``server volume list`` finds each volume."""

    def setUp(self):
        super().setUp()
        self.found = {clouds.HOME: {'h1'}, 'sp1': {'f1'}, 'sp2': set()}
        self.asked = []
        self.clouds = mock.Mock()
        self.clouds.query.side_effect = self.query

    def query(self, func, service_providers=None, home=None):
        providers = ([clouds.HOME] if home else []) + (
            ['sp1', 'sp2', 'down'] if service_providers is None
            else service_providers)
        self.asked.append(providers)
        return [clouds.Outcome(p, error='refused') if p == 'down' else
                clouds.Outcome(p, value=func(mock.Mock(provider=p)))
                for p in providers]

    def providers(self, volume_ids):
        with mock.patch.object(
                server.volume_cmd, 'list_volumes',
                side_effect=lambda scope: [
                    {'id': v} for v in self.found[scope.provider]]):
            return server.volume_cmd.providers(self.clouds, volume_ids)

    def test_home_only_when_home_has_them_all(self):
        self.assertEqual({'h1': clouds.HOME}, self.providers({'h1'}))
        self.assertEqual([[clouds.HOME]], self.asked)

    def test_providers_for_the_others(self):
        with mock.patch.object(server.volume_cmd.LOG, 'warning') as warning:
            self.assertEqual({'h1': clouds.HOME, 'f1': 'sp1'},
                             self.providers({'h1', 'f1', 'lost'}))
        self.assertEqual([[clouds.HOME], ['sp1', 'sp2', 'down']], self.asked)
        warning.assert_called_once_with('%s: %s', 'down',
                                        'unavailable: refused')


class MakeClientTest(base.BaseTestCase):
    """The plugin's clouds, from osc's client manager."""

    def _instance(self):
        session = ks_session.Session(auth=v3.Password(
            auth_url='http://idp/v3', username='u', password='p'),
            verify='/ca.pem')
        return mock.Mock(session=session, auth=session.auth,
                         interface='public', region_name='R1',
                         get_configuration=mock.Mock(return_value={}))

    def test_the_session_of_the_command(self):
        instance = self._instance()
        made = plugin.make_client(instance)
        self.assertIs(instance.session, made._home)

    def test_a_k2k_login_is_the_home_of_the_command(self):
        """osc --os-service-provider: its K2K auth, not the session's."""
        instance = self._instance()
        k2k = v3.Keystone2Keystone(instance.session.auth, 'nu',
                                   project_id='p1')
        instance.auth = k2k
        made = plugin.make_client(instance)
        self.assertIs(k2k, made._home.auth)
        self.assertEqual('/ca.pem', made._home.verify)
