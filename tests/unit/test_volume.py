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

from unittest import mock

from cinderclient import exceptions as cinder_exception
import fixtures
from nova import context as nova_context

from mixmatch_federation import route
from nova_mixmatch import exception
from nova_mixmatch import volume
from tests.unit import base

FOREIGN = route.Route('sp1', 'p1')


class CinderclientHookTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.context = nova_context.RequestContext('u', 'p', is_admin=False)
        self.proceed = mock.Mock()

    def _hook(self, check_only=False):
        return volume.cinderclient(self.proceed, self.context, '3.44',
                                   skip_version_check=True,
                                   check_only=check_only)

    def test_disabled_is_stock(self):
        self.assertIs(self.proceed.return_value, self._hook())

    def test_version_checks_are_stock(self):
        self.flags(enabled=True)
        self.assertIs(self.proceed.return_value, self._hook(check_only=True))

    def test_enabled_routes(self):
        self.flags(enabled=True)
        client = self._hook()
        self.assertIsInstance(client, volume.RoutingClient)
        self.proceed.assert_not_called()


class _RoutingTestCase(base.TestCase):
    """A routing client; its home and foreign clients are mocks."""

    def setUp(self):
        super().setUp()
        self.context = nova_context.RequestContext('u', 'p', is_admin=False)
        self.home = mock.Mock()
        self.build_home = mock.Mock(return_value=self.home)
        self.client = volume.RoutingClient(self.context, self.build_home,
                                           '3.44')
        self.router = mock.Mock()
        self.router.for_volume.return_value = None
        self.router.for_attachment.return_value = None
        self.useFixture(fixtures.MockPatch(
            'nova_mixmatch.router.process_router', return_value=self.router))
        self.foreign = mock.Mock()
        self.foreign_clients = mock.Mock()
        self.foreign_clients.call.side_effect = (
            lambda ctxt, where, service, func, microversion: func(
                self.foreign))
        self.identities = self.foreign_clients.identities
        self.identities.federate.return_value.identity_provider = 'idp'
        self.useFixture(fixtures.MockPatch(
            'nova_mixmatch.foreign.clients',
            return_value=self.foreign_clients))


class RoutingClientTest(_RoutingTestCase):

    def test_home_volume(self):
        result = self.client.volumes.get('v1')
        self.assertIs(self.home.volumes.get.return_value, result)
        self.home.volumes.get.assert_called_once_with('v1')
        self.router.for_volume.assert_called_once_with(self.context, 'v1')
        self.foreign_clients.call.assert_not_called()

    def test_home_client_is_built_once_and_only_when_needed(self):
        self.router.for_volume.return_value = FOREIGN
        self.client.volumes.get('v1')
        self.build_home.assert_not_called()
        self.router.for_volume.return_value = None
        self.client.volumes.get('v2')
        self.client.volumes.reserve('v2')
        self.build_home.assert_called_once_with()

    def test_foreign_volume(self):
        self.router.for_volume.return_value = FOREIGN
        result = self.client.volumes.begin_detaching('v1')
        self.assertIs(self.foreign.volumes.begin_detaching.return_value,
                      result)
        self.foreign.volumes.begin_detaching.assert_called_once_with('v1')
        self.foreign_clients.call.assert_called_once_with(
            self.context, FOREIGN, volume.BLOCK_STORAGE, mock.ANY,
            microversion='3.44')
        self.home.volumes.begin_detaching.assert_not_called()

    def test_foreign_attachment(self):
        self.router.for_attachment.return_value = FOREIGN
        self.client.attachments.complete('a1')
        self.foreign.attachments.complete.assert_called_once_with('a1')
        self.router.for_attachment.assert_called_once_with(self.context,
                                                           'a1')

    def test_foreign_connector_names_the_home_cloud(self):
        self.router.for_attachment.return_value = FOREIGN
        connector = {'host': 'h'}
        self.client.attachments.update('a1', connector)
        self.foreign.attachments.update.assert_called_once_with(
            'a1', {'host': 'h', 'mixmatch_home': 'idp'})
        self.identities.federate.assert_called_once_with(
            self.context, 'sp1', 'p1')
        self.assertEqual({'host': 'h'}, connector)

    def test_foreign_create_with_connector_names_the_home_cloud(self):
        self.router.for_volume.return_value = FOREIGN
        self.foreign.attachments.create.return_value = {'id': 'a1'}
        self.client.attachments.create('v1', {'host': 'h'}, 'instance')
        self.foreign.attachments.create.assert_called_once_with(
            'v1', {'host': 'h', 'mixmatch_home': 'idp'}, 'instance')

    def test_unknown_home_id_leaves_the_connector(self):
        self.router.for_attachment.return_value = FOREIGN
        self.identities.federate.return_value.identity_provider = None
        self.client.attachments.update('a1', {'host': 'h'})
        self.foreign.attachments.update.assert_called_once_with(
            'a1', {'host': 'h'})

    def test_home_connector_is_untouched(self):
        self.client.attachments.update('a1', {'host': 'h'})
        self.home.attachments.update.assert_called_once_with(
            'a1', {'host': 'h'})
        self.identities.federate.assert_not_called()

    def test_attachment_create_routes_by_volume_and_learns(self):
        self.router.for_volume.return_value = FOREIGN
        self.foreign.attachments.create.return_value = {'id': 'a1'}
        self.assertEqual({'id': 'a1'}, self.client.attachments.create(
            'v1', None, 'instance'))
        self.router.learn_attachment.assert_called_once_with('a1', FOREIGN)

    def test_home_attachment_create_learns_nothing(self):
        self.client.attachments.create('v1', None, 'instance')
        self.home.attachments.create.assert_called_once_with(
            'v1', None, 'instance')
        self.router.learn_attachment.assert_not_called()

    def test_unrouted_calls_go_home(self):
        self.client.volumes.list(detailed=True)
        self.client.limits.get()
        self.home.volumes.list.assert_called_once_with(detailed=True)
        self.home.limits.get.assert_called_once_with()
        self.router.for_volume.assert_not_called()


class ListAttachmentsTest(_RoutingTestCase):
    """A server's attachments (Nova's reboot check) include foreign ones."""

    def setUp(self):
        super().setUp()
        self.routes = self.useFixture(fixtures.MockPatch(
            'nova_mixmatch.router.instance_routes',
            return_value={FOREIGN})).mock
        self.home.attachments.list.return_value = [
            mock.Mock(id='home-a', instance='s1')]
        self.foreign.attachments.list.return_value = [
            mock.Mock(id='far-a', instance='s1')]

    def list(self, **search_opts):
        # as nova.volume.cinder.API.attachment_get_all calls it
        return self.client.attachments.list(search_opts=search_opts)

    def test_a_servers_attachments_everywhere_and_learnt(self):
        found = self.list(instance_id='s1')
        self.assertEqual(['home-a', 'far-a'], [a.id for a in found])
        self.foreign.attachments.list.assert_called_once_with(
            search_opts={'instance_id': 's1'})
        self.routes.assert_called_once_with(self.context, 's1')
        # Nova deletes the stale ones by id: they must route back there
        self.router.learn_attachment.assert_called_once_with('far-a',
                                                             FOREIGN)

    def test_only_the_servers_own_whatever_the_provider_filters(self):
        self.foreign.attachments.list.return_value = [
            mock.Mock(id='far-a', instance='s1'),
            mock.Mock(id='other-a', instance='s2')]
        self.assertEqual(['home-a', 'far-a'],
                         [a.id for a in self.list(instance_id='s1')])

    def test_a_provider_down_fails_the_whole_list(self):
        self.foreign_clients.call.side_effect = (
            exception.ForeignCallFailed(service_provider='sp1',
                                        reason='down'))
        error = self.assertRaises(cinder_exception.ClientException,
                                  self.list, instance_id='s1')
        # what Nova's reboot catches to skip its check, as for a home
        # Cinder that is down: no mapping dropped on half a list
        self.assertEqual(503, error.code)
        self.assertIn('sp1', str(error))

    def test_by_volume_asks_home_only(self):
        found = self.list(volume_id='v1')
        self.assertIs(self.home.attachments.list.return_value, found)
        self.home.attachments.list.assert_called_once_with(
            search_opts={'volume_id': 'v1'})
        self.routes.assert_not_called()
