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

import fixtures
from nova import context as nova_context
from nova import objects
from webob import exc

from mixmatch_federation import exception
from mixmatch_federation import route
from nova_mixmatch import moves
from nova_mixmatch import sysmeta
from tests.unit import base
from tests.unit import test_api

FOREIGN = route.Route('sp1', 'p1')


class MoveServerTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.flags(enabled=True)
        self.context = nova_context.RequestContext('admin', 'other',
                                                   is_admin=False)
        # v1 foreign, v2 local; v3 was foreign once and is detached now
        self.instance = test_api.FakeInstance({
            sysmeta.key('v1'): FOREIGN.to_json(),
            sysmeta.key('v3'): route.Route(
                'sp2', 'p2').to_json()})
        self.useFixture(fixtures.MockPatch(
            'nova.objects.BlockDeviceMappingList.get_by_instance_uuid',
            return_value=[objects.BlockDeviceMapping(volume_id=v)
                          for v in ('v1', 'v2', None)]))
        self.clients = mock.Mock()
        self.useFixture(fixtures.MockPatch(
            'nova_mixmatch.foreign.clients', return_value=self.clients))
        self.proceed = mock.Mock(return_value='moved')

    def test_foreign_volumes_of_the_attached_mappings_only(self):
        self.assertEqual({'v1': FOREIGN}, moves.foreign_volumes(
            self.context, self.instance))

    def test_move_goes_on_when_the_token_reaches_every_volume(self):
        self.assertEqual('moved', moves.move_server(
            self.proceed, self.context, self.instance))
        self.clients.identities.resolve.assert_called_once_with(
            self.context, 'sp1', 'p1')

    def test_move_refused_before_nova_starts(self):
        self.clients.identities.resolve.side_effect = \
            exception.RemoteProjectUnavailable(
                project_id='p1', service_provider='sp1', choices='p9')
        e = self.assertRaises(exc.HTTPConflict, moves.move_server,
                              self.proceed, self.context, self.instance)
        self.assertIn('volume v1 of service provider sp1', e.explanation)
        self.assertIn('Project p1 is not available', e.explanation)
        self.assertIn("token scoped to the server's project", e.explanation)
        self.proceed.assert_not_called()

    def test_not_enabled_is_stock(self):
        self.flags(enabled=False)
        self.assertEqual('moved', moves.move_server(
            self.proceed, self.context, self.instance))
        self.clients.identities.resolve.assert_not_called()
