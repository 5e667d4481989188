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

"""Server create with a foreign image or foreign volumes, functional tier.

The API's checks, all before Nova creates anything, and a boot from
foreign volumes end to end (the compute host attaches them through the
routes recorded at create). Nova's image API is Nova's GlanceFixture here,
so a boot from a foreign image runs in the integration tier only.
"""

import time

from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
from nova import context as nova_context
from nova import objects
from oslo_utils.fixture import uuidsentinel

from mixmatch_federation import route
from nova_mixmatch import sysmeta
from tests.functional import base
from tests.functional import test_cross_cloud_attach as attach_tests

SP = base.SP


class BootForeignTest(base.FunctionalTestCase):

    def _boot(self, **server):
        body = {'server': dict(name='boot', flavorRef='1', networks='none',
                               **server)}
        return self.api.api_post('/servers', body,
                                 check_response_status=False)

    def _volume_mapping(self, volume_id, boot_index=-1, **fields):
        return dict(boot_index=boot_index, uuid=volume_id,
                    source_type='volume', destination_type='volume',
                    **fields)

    def _refused(self, message, **server):
        resp = self._boot(**server)
        self.assertEqual(400, resp.status, resp.body)
        self.assertIn(message, resp.body['badRequest']['message'])
        self.assertEqual([], self.api.get_servers())
        self.assertEqual({}, self.cloud.attachments(SP))

    def _wait_for(self, what, predicate):
        for _ in range(100):
            if predicate():
                return
            time.sleep(0.1)
        self.fail('never: %s' % what)

    def test_boot_from_foreign_volumes(self):
        boot = self.cloud.create_volume(SP, self.remote_project,
                                        bootable=True)
        data = self.cloud.create_volume(SP, self.remote_project)
        resp = self._boot(imageRef='', block_device_mapping_v2=[
            self._volume_mapping(boot, 0, service_provider=SP),
            self._volume_mapping(data, service_provider=SP,
                                 remote_project=self.remote_project,
                                 delete_on_termination=True)])
        self.assertEqual(202, resp.status, resp.body)
        server = self._wait_for_state_change(resp.body['server'], 'ACTIVE')

        # Both clouds agree: Nova's mappings and the provider's attachments.
        for volume_id in (boot, data):
            foreign = self.cloud.volume(SP, volume_id)
            self.assertEqual('in-use', foreign['status'])
            self.assertEqual(server['id'],
                             foreign['attachments'][0]['server_id'])
        self.assertEqual({boot, data}, {
            a['volumeId'] for a in self.api.get_server_volumes(server['id'])})
        instance = objects.Instance.get_by_uuid(
            nova_context.get_admin_context(), server['id'],
            expected_attrs=['system_metadata'])
        for volume_id in (boot, data):
            self.assertEqual(route.Route(SP, self.remote_project),
                             route.Route.from_json(instance.system_metadata[
                                 sysmeta.key(volume_id)]))

        # delete_on_termination is honoured at the provider.
        self._delete_server(server)
        self._wait_for('the boot volume available', lambda: self.cloud.volume(
            SP, boot)['status'] == 'available')
        self._wait_for('the data volume deleted', lambda: data not in {
            v['id'] for v in self._foreign_volumes()})
        self.assertEqual({}, self.cloud.attachments(SP))

    def _foreign_volumes(self):
        return self.cloud._volumes[SP].values()

    def test_refusals_before_anything_is_created(self):
        mine = self.cloud.create_image(SP, self.remote_project)
        theirs = self.cloud.create_image(SP, 'another-project')
        volume_id = self.cloud.create_volume(SP, self.remote_project)
        self.cloud.disable_service_provider('sp2')
        for sp in ('nope', 'sp2'):
            self._refused('unknown or disabled', imageRef=mine,
                          image_service_provider=sp)
            self._refused('unknown or disabled', block_device_mapping_v2=[
                self._volume_mapping(volume_id, service_provider=sp)],
                imageRef=mine)
        self._refused('No image %s visible to you at service provider sp1'
                      % theirs, imageRef=theirs, image_service_provider=SP)
        self._refused('No volume %s visible to you at service provider sp1'
                      % uuidsentinel.missing, imageRef='',
                      block_device_mapping_v2=[self._volume_mapping(
                          uuidsentinel.missing, 0, service_provider=SP)])
        self._refused('Project elsewhere is not available to you',
                      imageRef=mine, image_service_provider=SP,
                      image_remote_project='elsewhere')
        self._refused('got source_type image', imageRef=mine,
                      block_device_mapping_v2=[dict(
                          boot_index=0, uuid=mine, source_type='image',
                          destination_type='volume', volume_size=1,
                          service_provider=SP)])
        self._refused('needs an imageRef', imageRef='',
                      image_service_provider=SP)
        self._refused("'image_service_provider' is a dependency",
                      imageRef=mine, image_remote_project='p')
        self.cloud.set_down(SP, glance=True)
        self._refused('Service provider sp1 failed: its image service '
                      'answered', imageRef=mine, image_service_provider=SP)
        self.cloud.set_down(SP, glance=False)
        self.flags(service_providers=['sp2'], group='mixmatch')
        self._refused('not allowed', imageRef=mine,
                      image_service_provider=SP)
        self.flags(enabled=False, group='mixmatch')
        self._refused('not enabled here', imageRef=mine,
                      image_service_provider=SP)
        self.assertEqual('available',
                         self.cloud.volume(SP, volume_id)['status'])

    @settings(max_examples=60, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(server=st.fixed_dictionaries({}, optional={
        'image_service_provider': attach_tests.ODD_VALUES |
        attach_tests.VALID_ID.filter(lambda sp: sp not in (SP, 'sp2')),
        'image_remote_project': attach_tests.ODD_VALUES |
        attach_tests.VALID_ID}),
        mapping=st.fixed_dictionaries({}, optional={
            'service_provider': attach_tests.ODD_VALUES |
            attach_tests.VALID_ID.filter(lambda sp: sp not in (SP, 'sp2')),
            'remote_project': attach_tests.ODD_VALUES |
            attach_tests.VALID_ID}))
    def test_fuzzed_fields_are_refused_cleanly(self, server, mapping):
        """Odd, oversized or unknown values: a 400, never a 500."""
        if not server and not mapping:
            return
        if not hasattr(self, 'fuzz_volume'):
            self.fuzz_volume = self.cloud.create_volume(
                SP, self.remote_project)
            self.fuzz_image = self.cloud.create_image(
                SP, self.remote_project)
        resp = self._boot(imageRef=self.fuzz_image, block_device_mapping_v2=[
            self._volume_mapping(self.fuzz_volume, **mapping)], **server)
        self.assertEqual(400, resp.status, (server, mapping, resp.body))
        self.assertEqual([], self.api.get_servers())
        self.assertEqual({}, self.cloud.attachments(SP))


class ImageActionsForeignTest(base.FunctionalTestCase):
    """Rebuild and rescue naming a provider: the API's refusals.

    The server stays as it was, with no route recorded for the image.
    """

    def _action(self, server, action, body):
        return self.api.api_post('/servers/%s/action' % server['id'],
                                 {action: body}, check_response_status=False)

    def _refused(self, server, message, action, body):
        resp = self._action(server, action, body)
        self.assertEqual(400, resp.status, resp.body)
        self.assertIn(message, resp.body['badRequest']['message'])
        server = self._wait_for_state_change(server, 'ACTIVE')
        instance = objects.Instance.get_by_uuid(
            nova_context.get_admin_context(), server['id'],
            expected_attrs=['system_metadata'])
        self.assertEqual([], [k for k in instance.system_metadata
                              if k.startswith(sysmeta.image_key(''))])

    def test_refusals(self):
        server = self._create_server(networks='none')
        mine = self.cloud.create_image(SP, self.remote_project)
        theirs = self.cloud.create_image(SP, 'another-project')
        for action, ref, prefix in (('rebuild', 'imageRef', 'image_'),
                                    ('rescue', 'rescue_image_ref',
                                     'rescue_image_')):
            provider, project = (prefix + 'service_provider',
                                 prefix + 'remote_project')
            self._refused(server, 'unknown or disabled', action,
                          {ref: mine, provider: 'nope'})
            self._refused(server, 'No image %s visible to you at service '
                          'provider sp1' % theirs, action,
                          {ref: theirs, provider: SP})
            self._refused(server, 'Project elsewhere is not available',
                          action, {ref: mine, provider: SP,
                                   project: 'elsewhere'})
            self._refused(server, "'%s' is a dependency" % provider, action,
                          {ref: mine, project: 'p'})
            self._refused(server, "Invalid input", action,
                          {ref: mine, provider: 'bad id'})
        self._refused(server, "'rescue_image_ref' is a dependency",
                      'rescue', {'rescue_image_service_provider': SP})
