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

"""Cross-cloud attach and detach through Nova's functional framework.

Real nova-api (WSGI, in process), conductor, scheduler and compute (fake
virt driver) on patched nova, talking over oslo.messaging. The home
Keystone and the foreign Keystone and Cinder are the HTTP doubles of
tests.doubles.cloud: this tier is not the two-cloud test.
"""

import re
import time
from unittest import mock

import fixtures
from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
from keystoneauth1 import loading as ks_loading
from nova import conf as nova_conf
from nova import context as nova_context
from nova import objects
from oslo_config import fixture as config_fixture
from oslo_utils.fixture import uuidsentinel

from mixmatch_federation import route
from nova_mixmatch import conductor
from nova_mixmatch import router
from nova_mixmatch import sysmeta
from tests.functional import base

SP = base.SP
ID_PATTERN = re.compile(r'\A[a-zA-Z0-9_-]{1,64}\Z')
VALID_ID = st.from_regex(ID_PATTERN)
ODD_VALUES = (st.text(max_size=80) | st.integers() | st.none() |
              st.booleans() | st.lists(st.text(max_size=4), max_size=2) |
              st.just('sp1 ') | st.just('x' * 65))


class CrossCloudAttachTest(base.FunctionalTestCase):

    def _attach(self, server, volume_id, **fields):
        body = {'volumeAttachment': dict(volumeId=volume_id, **fields)}
        return self.api.api_post(
            '/servers/%s/os-volume_attachments' % server['id'], body,
            check_response_status=False)

    def _wait_for_foreign_status(self, volume_id, status):
        for _ in range(100):
            if self.cloud.volume(SP, volume_id)['status'] == status:
                return
            time.sleep(0.1)
        self.fail('volume %s never became %s at %s: %s' % (
            volume_id, status, SP, self.cloud.volume(SP, volume_id)))

    def _attached_volume_ids(self, server):
        return [a['volumeId'] for a in self.api.get_server_volumes(
            server['id'])]

    def _attach_foreign(self, server):
        volume_id = self.cloud.create_volume(SP, self.remote_project)
        resp = self._attach(server, volume_id, service_provider=SP)
        self.assertEqual(202, resp.status, resp.body)
        self._wait_for_foreign_status(volume_id, 'in-use')

        # Both views agree: Nova's BDM and the foreign attachment.
        self.assertIn(volume_id, self._attached_volume_ids(server))
        foreign = self.cloud.volume(SP, volume_id)
        self.assertEqual(server['id'], foreign['attachments'][0]['server_id'])
        attachment = self.api.api_get(
            '/servers/%s/os-volume_attachments/%s' % (server['id'],
                                                      volume_id)
        ).body['volumeAttachment']
        self.assertEqual(foreign['attachments'][0]['attachment_id'],
                         attachment['attachment_id'])
        instance = objects.Instance.get_by_uuid(
            nova_context.get_admin_context(), server['id'],
            expected_attrs=['system_metadata'])
        self.assertEqual(
            route.Route(SP, self.remote_project),
            route.Route.from_json(
                instance.system_metadata[sysmeta.key(volume_id)]))
        return volume_id

    def _detach_foreign(self, server, volume_id):
        self.api.delete_server_volume(server['id'], volume_id)
        self._wait_for_foreign_status(volume_id, 'available')
        self._wait_for_detach(server, volume_id)
        self.assertEqual({}, self.cloud.attachments(SP))

    def _wait_for_detach(self, server, volume_id):
        for _ in range(100):
            if volume_id not in self._attached_volume_ids(server):
                return
            time.sleep(0.1)
        self.fail('volume %s still attached to %s' % (volume_id,
                                                      server['id']))

    def test_attach_detach_restart_compute(self):
        server = self._create_server(networks='none')

        self._detach_foreign(server, self._attach_foreign(server))
        self.assertEqual(1, self.cloud.ecp_exchanges[SP])

        # From here every route lookup goes over the message bus to the
        # conductor's mixmatch endpoint, as nova-compute's do for real.
        bus_lookups = []

        def through_conductor(context, **ident):
            bus_lookups.append(ident)
            return conductor.RouteAPI().lookup_route(context, **ident)

        self.useFixture(fixtures.MonkeyPatch(
            'nova_mixmatch.router._lookup', through_conductor))

        # Restart, attach again, detach again.
        self.compute = self.restart_compute_service(self.compute)
        router.process_router.cache_clear()
        self._detach_foreign(server, self._attach_foreign(server))

        # Restart between attach and detach: the new compute manager (and
        # here the whole process) has forgotten every route.
        volume_id = self._attach_foreign(server)
        self.compute = self.restart_compute_service(self.compute)
        router.process_router.cache_clear()
        self._detach_foreign(server, volume_id)
        self.assertIn({'attachment_id': mock.ANY}, bus_lookups)

        # One K2K exchange for this user, provider and project, for all of
        # nova-api, conductor and compute (one process here).
        self.assertEqual(1, self.cloud.ecp_exchanges[SP])
        self.assertEqual(0, self.cloud.ecp_exchanges['sp2'])
        self._assert_no_service_token_reached_sps()

    def _tokens_at_sps(self):
        """{(token header, issuer)} of every request to a provider."""
        found = set()
        for realm, _, _, headers in self.cloud.requests:
            if realm.split('/')[0] == 'home':
                continue
            for header in ('X-Auth-Token', 'X-Service-Token'):
                if header in headers:
                    found.add((header, self.cloud.issuer(headers[header])))
        return found

    def _assert_no_service_token_reached_sps(self):
        self.assertEqual({('X-Auth-Token', SP)}, self._tokens_at_sps())

    def test_service_token_at_the_provider_is_its_own(self):
        """Nova's service token is federated; the home one stays home."""
        self.cloud.add_user('nova', 'service', roles=('service',),
                            password='secret')
        self.flags(send_service_user_token=True, auth_type='password',
                   group='service_user')
        self.flags(auth_section='service_user', group='mixmatch')
        self.useFixture(config_fixture.Config(nova_conf.CONF)).register_opts(
            ks_loading.get_auth_plugin_conf_options('password'),
            group='service_user')
        self.flags(auth_url=self.cloud.home_auth_url, username='nova',
                   password='secret', project_id='service',
                   user_domain_id='default', group='service_user')
        server = self._create_server(networks='none')
        self._detach_foreign(server, self._attach_foreign(server))

        # Every token the provider saw, user's and service's, is its own.
        self.assertEqual({('X-Auth-Token', SP), ('X-Service-Token', SP)},
                         self._tokens_at_sps())
        # Two K2K exchanges: the user's, and Nova's own identity's.
        self.assertEqual(2, self.cloud.ecp_exchanges[SP])

    def test_bad_service_provider_changes_nothing(self):
        server = self._create_server(networks='none')
        volume_id = self.cloud.create_volume(SP, self.remote_project)
        self.cloud.disable_service_provider('sp2')
        cases = {
            'nope': 'unknown or disabled',
            'sp2': 'unknown or disabled',
        }
        for sp, message in cases.items():
            resp = self._attach(server, volume_id, service_provider=sp)
            self.assertEqual(400, resp.status)
            self.assertIn(message, resp.body['badRequest']['message'])

        self.flags(service_providers=['sp2'], group='mixmatch')
        resp = self._attach(server, volume_id, service_provider=SP)
        self.assertEqual(400, resp.status)
        self.assertIn('not allowed', resp.body['badRequest']['message'])

        resp = self._attach(server, volume_id, service_provider='bad/id')
        self.assertEqual(400, resp.status)

        self.assertEqual([], self._attached_volume_ids(server))
        self.assertEqual('available', self.cloud.volume(SP,
                                                        volume_id)['status'])
        self.assertEqual({}, self.cloud.attachments(SP))
        instance = objects.Instance.get_by_uuid(
            nova_context.get_admin_context(), server['id'],
            expected_attrs=['system_metadata'])
        self.assertNotIn(sysmeta.key(volume_id),
                         instance.system_metadata)

    @settings(max_examples=60, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(fields=st.fixed_dictionaries({}, optional={
        'service_provider': ODD_VALUES | VALID_ID.filter(
            lambda sp: sp not in (SP, 'sp2')),
        'remote_project': ODD_VALUES | VALID_ID}).filter(bool))
    def test_fuzzed_fields_are_refused_cleanly(self, fields):
        """Odd, oversized or unknown values: a 400, never a 500."""
        if not hasattr(self, 'fuzz_server'):
            self.fuzz_server = self._create_server(networks='none')
            self.fuzz_volume = self.cloud.create_volume(
                SP, self.remote_project)
        resp = self._attach(self.fuzz_server, self.fuzz_volume, **fields)
        self.assertEqual(400, resp.status, (fields, resp.body))
        sp = fields.get('service_provider')
        if isinstance(sp, str) and ID_PATTERN.match(sp) and all(
                isinstance(v, str) and ID_PATTERN.match(v)
                for v in fields.values()):
            # Well formed: refused by the home Keystone, through K2K.
            self.assertIn('unknown or disabled',
                          resp.body['badRequest']['message'])
        self.assertEqual([], self._attached_volume_ids(self.fuzz_server))
        self.assertEqual({}, self.cloud.attachments(SP))

    def test_volume_missing_at_service_provider(self):
        server = self._create_server(networks='none')
        resp = self._attach(server, uuidsentinel.missing,
                            service_provider=SP)
        self.assertEqual(404, resp.status)
        self.assertEqual([], self._attached_volume_ids(server))
        instance = objects.Instance.get_by_uuid(
            nova_context.get_admin_context(), server['id'],
            expected_attrs=['system_metadata'])
        self.assertNotIn(sysmeta.key(uuidsentinel.missing),
                         instance.system_metadata)
