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

from nova import context as nova_context

from mixmatch_federation import route
from nova_mixmatch import conductor
from tests.unit import base

FOREIGN = route.Route('sp1', 'p1')


class RouteEndpointTest(base.TestCase):

    @mock.patch('nova_mixmatch.db.lookup_route', return_value=(True, FOREIGN))
    def test_answers_primitives(self, lookup):
        context = mock.sentinel.context
        reply = conductor.RouteEndpoint().lookup_route(
            context, attachment_id='a1')
        self.assertEqual({'known': True, 'route': FOREIGN.to_primitive()},
                         reply)
        lookup.assert_called_once_with(context, volume_id=None,
                                       attachment_id='a1')

    def test_target(self):
        target = conductor.RouteEndpoint.target
        self.assertEqual(('mixmatch', '1.2'), (target.namespace,
                                               target.version))


class RouteAPITest(base.TestCase):

    @mock.patch('nova.rpc.get_client')
    def test_calls_the_conductor(self, get_client):
        context = nova_context.RequestContext('u', 'p', is_admin=False)
        call = get_client.return_value.prepare.return_value.call
        for reply, expected in (
                ({'known': True, 'route': FOREIGN.to_primitive()},
                 (True, FOREIGN)),
                ({'known': False, 'route': None}, (False, None))):
            call.return_value = reply
            self.assertEqual(expected, conductor.RouteAPI().lookup_route(
                context, volume_id='v1'))
        call.assert_called_with(context, 'lookup_route', volume_id='v1',
                                attachment_id=None)
        target = get_client.call_args[0][0]
        self.assertEqual(('conductor', 'mixmatch', '1.0'),
                         (target.topic, target.namespace, target.version))


class InstanceRoutesTest(base.TestCase):

    @mock.patch('nova_mixmatch.db.instance_routes', return_value={FOREIGN})
    def test_endpoint(self, routes):
        self.assertEqual([FOREIGN.to_primitive()],
                         conductor.RouteEndpoint().instance_routes(
                             mock.sentinel.context, 's1'))
        routes.assert_called_once_with(mock.sentinel.context, 's1')

    @mock.patch('nova.rpc.get_client')
    def test_client_asks_for_1_1(self, get_client):
        prepare = get_client.return_value.prepare
        prepare.return_value.call.return_value = [FOREIGN.to_primitive()]
        self.assertEqual({FOREIGN}, conductor.RouteAPI().instance_routes(
            mock.sentinel.context, 's1'))
        prepare.assert_called_once_with(version='1.1')
        prepare.return_value.call.assert_called_once_with(
            mock.sentinel.context, 'instance_routes', instance_uuid='s1')


class ImageRouteTest(base.TestCase):

    @mock.patch('nova_mixmatch.db.lookup_image_route',
                return_value=(True, FOREIGN))
    def test_endpoint(self, lookup):
        self.assertEqual({'known': True, 'route': FOREIGN.to_primitive()},
                         conductor.RouteEndpoint().lookup_image_route(
                             mock.sentinel.context, 'i1'))
        lookup.assert_called_once_with(mock.sentinel.context, 'i1')

    @mock.patch('nova.rpc.get_client')
    def test_client_asks_for_1_2(self, get_client):
        prepare = get_client.return_value.prepare
        for reply, expected in (
                ({'known': True, 'route': FOREIGN.to_primitive()},
                 (True, FOREIGN)),
                ({'known': True, 'route': None}, (True, None))):
            prepare.return_value.call.return_value = reply
            self.assertEqual(expected, conductor.RouteAPI().lookup_image_route(
                mock.sentinel.context, 'i1'))
        prepare.assert_called_with(version='1.2')
        prepare.return_value.call.assert_called_with(
            mock.sentinel.context, 'lookup_image_route', image_id='i1')
