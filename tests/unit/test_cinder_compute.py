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

"""The routing of cinder_mixmatch.compute.API, without Cinder.

Cinder's side (its database, errors and user messages: cinder_mixmatch.
host) and the clients of the home Novas are doubles here; the sandbox's
integration tests run the real ones.
"""

from unittest import mock

import fixtures
from keystoneauth1 import exceptions as ksa_exception
from oslo_config import cfg
from oslotest import base

from cinder_mixmatch import compute
from cinder_mixmatch import home_nova

LOCAL = None
HOME = 'home'


class Conflict(Exception):
    pass


class Host:
    """cinder_mixmatch.host with an attachment table in memory."""

    def __init__(self, owners):
        #: {(server id, volume id): home cloud id or None}
        self.owners = owners
        self.failures = []

    def home_of(self, context, server_id, volume_id):
        return self.owners.get((server_id, volume_id))

    def home_of_volume(self, context, volume_id):
        return next((home for (_, volume), home in self.owners.items()
                     if volume == volume_id and home), None)

    def volume_of_snapshot(self, context, snapshot_id):
        return 'v1'

    def report_failure(self, context, what, volume_id):
        self.failures.append((what, volume_id))

    def conflict(self, home, server_id, volume_id, reason):
        return Conflict(home, server_id, volume_id, reason)

    def no_local_compute(self, server_id):
        return Conflict(None, server_id)


class ComputeAPITest(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        # Cinder's own CONF, apart from the [mixmatch] of Nova's tests.
        self.useFixture(fixtures.MockPatchObject(compute, 'CONF',
                                                 cfg.ConfigOpts()))
        self.context = mock.sentinel.context
        self.local = mock.Mock()
        self.host = Host({('local-server', 'v1'): LOCAL,
                          ('home-server', 'v1'): HOME,
                          ('home-server-2', 'v1'): HOME})
        self.home = mock.Mock()
        self.homes = mock.Mock(return_value=self.home)
        self.api = compute.API(local=self.local, host=self.host,
                               homes=self.homes)

    def _answers(self, code=200):
        self.home.send_events.side_effect = lambda events, mv: [
            dict(event, code=code) for event in events]

    def test_extend_splits_local_and_home_servers(self):
        self._answers()
        self.local.extend_volume.return_value = True
        self.assertTrue(self.api.extend_volume(
            self.context, ['local-server', 'home-server', 'home-server-2'],
            'v1'))
        self.local.extend_volume.assert_called_once_with(
            self.context, ['local-server'], 'v1')
        self.homes.assert_called_once_with(HOME)
        self.home.send_events.assert_called_once_with(
            [{'name': 'volume-extended', 'server_uuid': 'home-server',
              'tag': 'v1'},
             {'name': 'volume-extended', 'server_uuid': 'home-server-2',
              'tag': 'v1'}], '2.51')
        self.assertEqual([], self.host.failures)

    def test_extend_of_home_servers_only_leaves_local_nova_alone(self):
        self._answers()
        self.assertTrue(self.api.extend_volume(self.context, ['home-server'],
                                               'v1'))
        self.local.extend_volume.assert_not_called()

    def test_reimage_event(self):
        self._answers()
        self.assertTrue(self.api.reimage_volume(self.context,
                                                ['home-server'], 'v1'))
        self.home.send_events.assert_called_once_with(
            [{'name': 'volume-reimaged', 'server_uuid': 'home-server',
              'tag': 'v1'}], '2.93')

    def test_home_nova_refusing_an_event_leaves_a_user_message(self):
        self._answers(code=404)
        self.assertFalse(self.api.extend_volume(self.context,
                                                ['home-server'], 'v1'))
        self.assertEqual([('extend', 'v1')], self.host.failures)

    def test_unreachable_home_nova_leaves_a_user_message(self):
        self.home.send_events.side_effect = ksa_exception.ConnectFailure()
        self.assertFalse(self.api.extend_volume(self.context,
                                                ['home-server'], 'v1'))
        self.assertEqual([('extend', 'v1')], self.host.failures)

    def test_unconfigured_home_leaves_a_user_message(self):
        self.homes.side_effect = home_nova.HomeNotConfigured(HOME)
        self.assertFalse(self.api.extend_volume(self.context,
                                                ['home-server'], 'v1'))
        self.assertEqual([('extend', 'v1')], self.host.failures)

    def test_local_extend_without_compute_service(self):
        self.local.extend_volume.side_effect = (
            ksa_exception.EndpointNotFound())
        self.assertFalse(self.api.extend_volume(self.context,
                                                ['local-server'], 'v1'))
        self.assertEqual([('extend', 'v1')], self.host.failures)

    def test_local_server_volume_is_stock(self):
        self.assertIs(
            self.local.get_server_volume.return_value,
            self.api.get_server_volume(self.context, 'local-server', 'v1'))
        self.home.server_volume.assert_not_called()

    def test_home_server_volume(self):
        self.home.server_volume.return_value = {
            'volumeId': 'v1', 'attachment_id': 'a1'}
        found = self.api.get_server_volume(self.context, 'home-server', 'v1')
        self.assertEqual('a1', found.attachment_id)
        self.home.server_volume.assert_called_once_with('home-server', 'v1')

    def test_home_server_without_the_volume_is_not_found(self):
        self.home.server_volume.side_effect = ksa_exception.NotFound()
        # What Cinder catches to let the user delete the attachment.
        self.assertRaises(self.api.NotFound, self.api.get_server_volume,
                          self.context, 'home-server', 'v1')

    def test_unreachable_home_nova_refuses_the_delete(self):
        self.home.server_volume.side_effect = (
            ksa_exception.ServiceUnavailable())
        exc = self.assertRaises(Conflict, self.api.get_server_volume,
                                self.context, 'home-server', 'v1')
        self.assertEqual(HOME, exc.args[0])

    def test_no_local_compute_service_refuses_the_delete(self):
        self.local.get_server_volume.side_effect = (
            ksa_exception.EndpointNotFound())
        self.assertRaises(Conflict, self.api.get_server_volume,
                          self.context, 'local-server', 'v1')

    def test_swap_of_a_local_server_is_stock(self):
        self.api.update_server_volume(self.context, 'local-server', 'v1',
                                      'v2')
        self.local.update_server_volume.assert_called_once_with(
            self.context, 'local-server', 'v1', 'v2')

    def test_swap_of_a_home_server_is_refused(self):
        self.assertRaises(Conflict, self.api.update_server_volume,
                          self.context, 'home-server', 'v1', 'v2')
        self.local.update_server_volume.assert_not_called()

    def test_assisted_snapshots_of_a_home_server(self):
        self.api.create_volume_snapshot(self.context, 'v1', {'i': 1})
        self.home.create_volume_snapshot.assert_called_once_with(
            'v1', {'i': 1})
        self.api.delete_volume_snapshot(self.context, 's1', {'d': 1})
        self.home.delete_volume_snapshot.assert_called_once_with(
            's1', {'d': 1})
        self.local.create_volume_snapshot.assert_not_called()

    def test_assisted_snapshots_of_a_local_volume(self):
        self.api.create_volume_snapshot(self.context, 'v9', {'i': 1})
        self.local.create_volume_snapshot.assert_called_once_with(
            self.context, 'v9', {'i': 1})

    def test_other_calls_are_stock(self):
        self.assertIs(self.local.get_server.return_value,
                      self.api.get_server(self.context, 'server'))
