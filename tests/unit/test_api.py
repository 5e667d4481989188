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

import copy
from unittest import mock

from cinderclient import exceptions as cinder_exception
import fixtures
from glanceclient import exc as glance_exception
import jsonschema
from nova import context as nova_context
from oslo_policy import policy as oslo_policy
from webob import exc

from mixmatch_federation import exception as federation_exception
from mixmatch_federation import route
from nova_mixmatch import api
from nova_mixmatch import exception
from nova_mixmatch import router
from nova_mixmatch import sysmeta
from tests.unit import base

FOREIGN = route.Route('sp1', 'p1')
SCHEMA = {
    'type': 'object',
    'properties': {'volumeAttachment': {
        'type': 'object',
        'properties': {'volumeId': {'type': 'string'}},
        'required': ['volumeId'],
        'additionalProperties': False}},
}


class SchemaTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.schema = copy.deepcopy(SCHEMA)
        api.extend_create_schemas(self.schema)

    def _validate(self, **fields):
        jsonschema.Draft202012Validator(self.schema).validate(
            {'volumeAttachment': dict(volumeId='v', **fields)})

    def test_valid(self):
        self._validate()
        self._validate(service_provider='sp_1-a')
        self._validate(service_provider='sp1', remote_project='0' * 64)

    def test_invalid(self):
        for fields in ({'remote_project': 'p'},
                       {'service_provider': ''},
                       {'service_provider': 'a' * 65},
                       {'service_provider': 'bad/id'},
                       {'service_provider': 'sp1', 'remote_project': 'p p'},
                       {'service_provider': 1},
                       {'other': 'x'}):
            self.assertRaises(jsonschema.ValidationError, self._validate,
                              **fields)

    def test_extends_every_schema_given(self):
        first, second = copy.deepcopy(SCHEMA), copy.deepcopy(SCHEMA)
        api.extend_create_schemas(first, second)
        for schema in (first, second):
            self.assertIn('service_provider', schema['properties'][
                'volumeAttachment']['properties'])


class FakeInstance:
    """An instance: its uuid, project and system_metadata."""

    def __init__(self, system_metadata=None):
        self.project_id = 'p'
        self.uuid = 'instance-uuid'
        self.system_metadata = dict(system_metadata or {})
        self.saved = []

    def obj_reset_changes(self, fields):
        """As Nova's Instance: the fields now count as saved."""
        if 'system_metadata' in fields:
            self.saved.append(dict(self.system_metadata))


class ServerActionTestCase(base.TestCase):
    """An action on a server of a project user, mixmatch enabled.

    The action proceeds to ``self.proceed``; mixmatch's clients resolve
    any provider to FOREIGN; policy and the route table are mocks.
    """

    #: what Nova's own action returns
    PROCEEDS_TO = None

    def setUp(self):
        super().setUp()
        self.flags(enabled=True)
        self.context = nova_context.RequestContext('u', 'p', is_admin=False)
        self.instance = FakeInstance()
        self.proceed = mock.Mock(return_value=self.PROCEEDS_TO)
        self.authorize = self.useFixture(fixtures.MockPatch(
            'nova_mixmatch.policies.authorize')).mock
        self.clients = mock.Mock()
        self.clients.identities.resolve.return_value = FOREIGN
        self.useFixture(fixtures.MockPatch(
            'nova_mixmatch.foreign.clients', return_value=self.clients))
        self.save_route = self.useFixture(fixtures.MockPatch(
            'nova_mixmatch.db.save_route')).mock
        self.delete_route = self.useFixture(fixtures.MockPatch(
            'nova_mixmatch.db.delete_route')).mock


class AttachVolumeTest(ServerActionTestCase):
    PROCEEDS_TO = '/dev/vdb'

    def setUp(self):
        super().setUp()
        self.key = sysmeta.key('v1')

    def _attach(self, **fields):
        return api.attach_volume(self.proceed, self.context, self.instance,
                                 dict(volumeId='v1', **fields))

    def test_local_attach_is_stock(self):
        self.flags(enabled=False)
        self.assertEqual('/dev/vdb', self._attach())
        self.assertEqual([], self.instance.saved)
        self.clients.identities.resolve.assert_not_called()

    def test_foreign_attach(self):
        self.assertEqual('/dev/vdb', self._attach(service_provider='sp1',
                                                  remote_project='p1'))
        self.clients.identities.resolve.assert_called_once_with(
            self.context, 'sp1', 'p1')
        self.authorize.assert_called_once_with(
            self.context, api.policies.ATTACH_FOREIGN, {'project_id': 'p'})
        self.assertEqual(FOREIGN, route.Route.from_json(
            self.instance.system_metadata[self.key]))
        # Saved, that key alone, before Nova's attach started, so that
        # every service sees it.
        self.save_route.assert_called_once_with(
            self.context, 'instance-uuid', self.key, FOREIGN.to_json())
        self.assertEqual([{self.key: FOREIGN.to_json()}],
                         self.instance.saved)
        self.assertEqual(FOREIGN, router.process_router().for_volume(
            self.context, 'v1'))

    def _assert_refused(self, error, message, **fields):
        e = self.assertRaises(error, self._attach, **fields)
        self.assertIn(message, e.explanation)
        self.proceed.assert_not_called()
        self.assertEqual([], self.instance.saved)

    def test_not_enabled(self):
        self.flags(enabled=False)
        self._assert_refused(exc.HTTPBadRequest, 'not enabled',
                             service_provider='sp1')

    def test_policy(self):
        self.authorize.side_effect = oslo_policy.PolicyNotAuthorized(
            'rule', {}, {})
        self._assert_refused(exc.HTTPForbidden, 'rule',
                             service_provider='sp1')

    def test_allow_list(self):
        self.flags(service_providers=['sp2', 'sp3'])
        self._assert_refused(exc.HTTPBadRequest, 'Allowed: sp2, sp3',
                             service_provider='sp1')
        self.clients.identities.resolve.assert_not_called()

    def test_refused_by_keystone(self):
        self.clients.identities.resolve.side_effect = (
            federation_exception.ServiceProviderNotFound(
                service_provider='sp9'))
        self._assert_refused(exc.HTTPBadRequest, 'sp9 is unknown',
                             service_provider='sp9')

    def test_failed_attach_leaves_no_route(self):
        self.proceed.side_effect = ValueError('boom')
        self.assertRaises(ValueError, self._attach, service_provider='sp1')
        self.assertNotIn(self.key, self.instance.system_metadata)
        self.assertEqual({}, self.instance.saved[-1])
        self.delete_route.assert_called_once_with(
            self.context, 'instance-uuid', self.key)

    def test_failed_attach_keeps_an_existing_route(self):
        self.instance = FakeInstance({self.key: 'previous'})
        self.proceed.side_effect = ValueError('already attached')
        self.assertRaises(ValueError, self._attach, service_provider='sp1')
        self.assertEqual({self.key: 'previous'}, self.instance.saved[-1])
        self.save_route.assert_called_with(
            self.context, 'instance-uuid', self.key, 'previous')
        self.delete_route.assert_not_called()

    def test_foreign_cloud_down_during_attach(self):
        self.proceed.side_effect = exception.ForeignCallFailed(
            service_provider='sp1', reason='its volume service is down')
        e = self.assertRaises(exc.HTTPBadRequest, self._attach,
                              service_provider='sp1')
        self.assertEqual('Service provider sp1 failed: its volume service '
                         'is down', e.explanation)
        self.assertNotIn(self.key, self.instance.system_metadata)


class DetachVolumeTest(base.TestCase):

    def test_foreign_cloud_down_is_a_400(self):
        failed = mock.Mock(side_effect=exception.ForeignCallFailed(
            service_provider='sp1', reason='unreachable'))
        e = self.assertRaises(exc.HTTPBadRequest, api.detach_volume, failed)
        self.assertEqual('Service provider sp1 failed: unreachable',
                         e.explanation)

    def test_everything_else_is_nova_s(self):
        self.assertIsNone(api.detach_volume(lambda: None))
        self.assertRaises(ValueError, api.detach_volume,
                          mock.Mock(side_effect=ValueError))


SERVER_SCHEMA = {
    'type': 'object',
    'properties': {'server': {
        'type': 'object',
        'properties': {
            'imageRef': {'type': 'string'},
            'block_device_mapping_v2': {'type': 'array', 'items': {
                'type': 'object',
                'properties': {'uuid': {'type': 'string'},
                               'source_type': {'type': 'string'}},
                'additionalProperties': False}}},
        'additionalProperties': False}},
}


class ServerSchemaTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.schema = copy.deepcopy(SERVER_SCHEMA)
        api.extend_create_server_schemas(self.schema)

    def _validate(self, server=None, **mapping):
        body = dict(server or {}, imageRef='i')
        if mapping:
            body['block_device_mapping_v2'] = [mapping]
        jsonschema.Draft202012Validator(self.schema).validate(
            {'server': body})

    def test_valid(self):
        self._validate()
        self._validate({'image_service_provider': 'sp1'})
        self._validate({'image_service_provider': 'sp1',
                        'image_remote_project': 'p'})
        self._validate(uuid='v', source_type='volume',
                       service_provider='sp1', remote_project='p')

    def test_invalid(self):
        for server, mapping in (
                ({'image_remote_project': 'p'}, {}),
                ({'image_service_provider': 'bad id'}, {}),
                ({'image_service_provider': 'a' * 65}, {}),
                ({}, {'remote_project': 'p'}),
                ({}, {'service_provider': ''}),
                ({}, {'service_provider': 3}),
                ({'service_provider': 'sp1'}, {})):
            self.assertRaises(jsonschema.ValidationError, self._validate,
                              server, **mapping)


class CreateServerTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.flags(enabled=True)
        self.context = nova_context.RequestContext('u', 'p', is_admin=False)
        self.seen = []
        self.proceed = mock.Mock(side_effect=lambda: self.seen.append(
            copy.deepcopy(self.body)) or 'created')
        self.authorize = self.useFixture(fixtures.MockPatch(
            'nova_mixmatch.policies.authorize')).mock
        self.clients = mock.Mock()
        self.clients.identities.resolve.return_value = FOREIGN
        self.useFixture(fixtures.MockPatch(
            'nova_mixmatch.foreign.clients', return_value=self.clients))
        self.body = {'server': {'name': 's', 'imageRef': 'i1'}}

    def _create(self):
        return api.create_server(self.proceed, self.context, self.body)

    def test_home_server_is_stock(self):
        self.flags(enabled=False)
        self.assertEqual('created', self._create())
        self.clients.identities.resolve.assert_not_called()
        self.assertEqual(({}, {}), router.hints(self.context))

    def test_no_provider_means_a_home_image(self):
        self.assertEqual('created', self._create())
        self.clients.identities.resolve.assert_not_called()
        self.assertEqual(({}, {'i1': None}), router.hints(self.context))

    def test_foreign_image_and_volumes(self):
        self.body['server'].update(image_service_provider='sp1',
                                   image_remote_project='p1')
        self.body['server']['block_device_mapping_v2'] = [
            {'source_type': 'volume', 'uuid': 'v1', 'boot_index': 1,
             'destination_type': 'volume', 'service_provider': 'sp1'},
            {'source_type': 'blank', 'volume_size': 1}]
        self.assertEqual('created', self._create())
        # Nova sees the request it knows.
        self.assertEqual([{'server': {
            'name': 's', 'imageRef': 'i1', 'block_device_mapping_v2': [
                {'source_type': 'volume', 'uuid': 'v1', 'boot_index': 1,
                 'destination_type': 'volume'},
                {'source_type': 'blank', 'volume_size': 1}]}}], self.seen)
        self.assertEqual(({'v1': FOREIGN}, {'i1': FOREIGN}),
                         router.hints(self.context))
        self.assertEqual(
            [mock.call(self.context, 'sp1', 'p1'),
             mock.call(self.context, 'sp1', None)],
            self.clients.identities.resolve.call_args_list)
        # Both were looked at, at the provider, as the user.
        self.assertEqual(2, self.clients.call.call_count)
        self.authorize.assert_called_with(
            self.context, 'mixmatch:servers:create:service_provider',
            {'project_id': 'p'})

    def _refused(self, status=exc.HTTPBadRequest):
        self.assertRaises(status, self._create)
        self.proceed.assert_not_called()

    def test_image_not_visible(self):
        self.body['server']['image_service_provider'] = 'sp1'
        self.clients.call.side_effect = glance_exception.HTTPNotFound()
        e = self.assertRaises(exc.HTTPBadRequest, self._create)
        self.assertIn('No image i1 visible to you at service provider sp1',
                      e.explanation)
        self.proceed.assert_not_called()

    def test_volume_not_visible(self):
        self.body['server']['block_device_mapping_v2'] = [
            {'source_type': 'volume', 'uuid': 'v1', 'service_provider': 'sp1'}]
        self.clients.call.side_effect = cinder_exception.NotFound(404)
        self._refused()

    def _refused_image(self, status=exc.HTTPBadRequest):
        self.body['server']['image_service_provider'] = 'sp1'
        self._refused(status)

    def test_not_enabled(self):
        self.flags(enabled=False)
        self._refused_image()

    def test_not_allowed(self):
        self.flags(service_providers=['sp2'])
        self._refused_image()

    def test_policy(self):
        self.authorize.side_effect = oslo_policy.PolicyNotAuthorized(
            'r', {}, {})
        self._refused_image(exc.HTTPForbidden)

    def test_unknown_provider(self):
        self.clients.identities.resolve.side_effect = (
            federation_exception.ServiceProviderNotFound(
                service_provider='sp1'))
        self._refused_image()

    def test_provider_down(self):
        self.clients.call.side_effect = exception.ForeignCallFailed(
            service_provider='sp1', reason='down')
        self._refused_image()

    def test_mapping_not_of_a_volume(self):
        self.body['server']['block_device_mapping_v2'] = [
            {'source_type': 'image', 'uuid': 'i1', 'service_provider': 'sp1',
             'destination_type': 'volume'}]
        e = self.assertRaises(exc.HTTPBadRequest, self._create)
        self.assertIn('got source_type image', e.explanation)

    def test_image_provider_without_image(self):
        self.body['server'].update(imageRef='', image_service_provider='sp1')
        self._refused()


class InstanceForCreateTest(base.TestCase):

    def test_records_the_hinted_routes(self):
        self.flags(enabled=True)
        context = nova_context.RequestContext('u', 'p', is_admin=False)
        router.hint(context, 'v1', FOREIGN)
        router.hint_image(context, 'i1', FOREIGN)
        router.hint_image(context, 'other', FOREIGN)
        instance = FakeInstance({'image_min_ram': '0'})
        instance.image_ref = 'i1'
        api.instance_for_create(context, instance)
        self.assertEqual({'image_min_ram': '0',
                          sysmeta.key('v1'): FOREIGN.to_json(),
                          sysmeta.image_key('i1'): FOREIGN.to_json()},
                         instance.system_metadata)

    def test_nothing_without_hints(self):
        self.flags(enabled=True)
        context = nova_context.RequestContext('u', 'p', is_admin=False)
        instance = FakeInstance()
        instance.image_ref = 'i1'
        api.instance_for_create(context, instance)
        self.assertEqual({}, instance.system_metadata)


class ImageActionSchemaTest(base.TestCase):

    def test_rebuild_and_rescue(self):
        rebuild = {'type': 'object', 'properties': {'rebuild': {
            'type': 'object', 'properties': {'imageRef': {}},
            'additionalProperties': False}}}
        rescue = {'type': 'object', 'properties': {'rescue': {
            'type': ['object', 'null'],
            'properties': {'rescue_image_ref': {}},
            'additionalProperties': False}}}
        api.extend_rebuild_schemas(rebuild)
        api.extend_rescue_schemas(rescue)
        valid = jsonschema.Draft202012Validator(rebuild).validate
        valid({'rebuild': {'imageRef': 'i', 'image_service_provider': 'sp1',
                           'image_remote_project': 'p'}})
        self.assertRaises(jsonschema.ValidationError, valid, {
            'rebuild': {'imageRef': 'i', 'image_remote_project': 'p'}})
        valid = jsonschema.Draft202012Validator(rescue).validate
        valid({'rescue': None})
        valid({'rescue': {'rescue_image_ref': 'i',
                          'rescue_image_service_provider': 'sp1'}})
        for body in ({'rescue_image_service_provider': 'sp1'},
                     {'rescue_image_ref': 'i',
                      'rescue_image_remote_project': 'p'},
                     {'rescue_image_ref': 'i',
                      'rescue_image_service_provider': 'bad id'}):
            self.assertRaises(jsonschema.ValidationError, valid,
                              {'rescue': body})


class ImageActionTest(ServerActionTestCase):
    """Rebuild and rescue with an image of a provider."""
    PROCEEDS_TO = 'done'

    def setUp(self):
        super().setUp()
        self.key = sysmeta.image_key('i2')

    def test_rebuild_to_a_foreign_image(self):
        self.assertEqual('done', api.rebuild_server(
            self.proceed, self.context, self.instance,
            {'imageRef': 'i2', 'image_service_provider': 'sp1',
             'image_remote_project': 'p1'}))
        self.clients.identities.resolve.assert_called_once_with(
            self.context, 'sp1', 'p1')
        self.authorize.assert_called_once_with(
            self.context, 'mixmatch:servers:create:service_provider',
            {'project_id': 'p'})
        self.assertEqual(({}, {'i2': FOREIGN}), router.hints(self.context))
        self.save_route.assert_called_once_with(
            self.context, 'instance-uuid', self.key, FOREIGN.to_json())
        self.assertEqual({self.key: FOREIGN.to_json()},
                         self.instance.system_metadata)

    def test_rescue_with_a_foreign_image(self):
        self.assertEqual('done', api.rescue_server(
            self.proceed, self.context, self.instance,
            {'rescue_image_ref': 'i2',
             'rescue_image_service_provider': 'sp1'}))
        self.assertEqual(({}, {'i2': FOREIGN}), router.hints(self.context))
        self.assertEqual({self.key: FOREIGN.to_json()},
                         self.instance.system_metadata)

    def test_home_images_are_nova_s(self):
        for action, body in ((api.rebuild_server, {'imageRef': 'i2'}),
                             (api.rescue_server, {})):
            self.assertEqual('done', action(self.proceed, self.context,
                                            self.instance, body))
        self.clients.identities.resolve.assert_not_called()
        self.save_route.assert_not_called()

    def test_image_not_visible(self):
        self.clients.call.side_effect = glance_exception.HTTPNotFound()
        e = self.assertRaises(
            exc.HTTPBadRequest, api.rebuild_server, self.proceed,
            self.context, self.instance,
            {'imageRef': 'i2', 'image_service_provider': 'sp1'})
        self.assertIn('No image i2 visible to you at service provider sp1',
                      e.explanation)
        self.proceed.assert_not_called()
        self.save_route.assert_not_called()

    def test_failed_action_takes_the_route_back(self):
        self.proceed.side_effect = ValueError('refused by Nova')
        self.assertRaises(ValueError, api.rebuild_server, self.proceed,
                          self.context, self.instance,
                          {'imageRef': 'i2', 'image_service_provider': 'sp1'})
        self.delete_route.assert_called_once_with(
            self.context, 'instance-uuid', self.key)
        self.assertEqual({}, self.instance.system_metadata)
