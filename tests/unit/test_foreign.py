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

import hashlib
import threading

from cinderclient import exceptions as cinder_exception
from glanceclient import exc as glance_exception
from keystoneauth1 import exceptions as ksa_exception
from nova import context as nova_context
from nova import exception as nova_exception

from mixmatch_federation import exception as federation_exception
from mixmatch_federation import route
from nova_mixmatch import exception
from nova_mixmatch.foreign import calls
from nova_mixmatch.foreign import identities
from nova_mixmatch import image
from nova_mixmatch import volume
from tests.doubles import cloud
from tests.unit import base

ROUTE = route.Route('sp1', 'k2k-home-project')
CINDER = volume.BLOCK_STORAGE


def foreign_clients(size=8):
    return calls.ForeignClients(identities.IdentityCache(size))


class ForeignClientsTest(base.CloudTestCase):

    def setUp(self):
        super().setUp()
        self.clients = foreign_clients()
        self.identities = self.clients.identities
        self.context = self.user_context()

    def test_one_exchange_per_identity(self):
        first = self.identities.federate(self.context, 'sp1', ROUTE.project_id)
        again = self.identities.federate(self.context, 'sp1', ROUTE.project_id)
        self.assertIs(first, again)
        self.assertEqual(1, self.cloud.ecp_exchanges['sp1'])
        # Another user is another identity.
        self.identities.federate(self.user_context('bob'), 'sp1',
                                 'k2k-home-project')
        self.assertEqual(2, self.cloud.ecp_exchanges['sp1'])

    def test_identity_provider_is_the_home_id_at_the_provider(self):
        identity = self.identities.federate(self.context, 'sp1',
                                            ROUTE.project_id)
        self.assertEqual('idp', identity.identity_provider)

    def test_concurrent_first_use_exchanges_once(self):
        threads = [threading.Thread(
            target=self.identities.federate,
            args=(self.context, 'sp1', ROUTE.project_id)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(1, self.cloud.ecp_exchanges['sp1'])
        self.assertEqual({}, self.identities._building)

    def test_resolve_picks_the_only_project(self):
        self.assertEqual(ROUTE, self.identities.resolve(self.context, 'sp1'))
        # The resolved identity serves the route and the next resolve.
        self.identities.federate(self.context, 'sp1', ROUTE.project_id)
        self.assertEqual(ROUTE, self.identities.resolve(self.context, 'sp1'))
        self.assertEqual(1, self.cloud.ecp_exchanges['sp1'])
        # Forgetting the route forgets the pick too.
        self.identities.forget(self.context, ROUTE)
        self.assertEqual(ROUTE, self.identities.resolve(self.context, 'sp1'))
        self.assertEqual(2, self.cloud.ecp_exchanges['sp1'])

    def test_resolve_refuses_to_guess(self):
        self.cloud.add_remote_project('sp1', 'alice', 'other')
        e = self.assertRaises(federation_exception.RemoteProjectAmbiguous,
                              self.identities.resolve, self.context, 'sp1')
        self.assertIn('k2k-home-project, other', str(e))
        self.assertEqual(
            route.Route('sp1', 'other'),
            self.identities.resolve(self.context, 'sp1', 'other'))

    def test_resolve_unavailable_project(self):
        e = self.assertRaises(federation_exception.RemoteProjectUnavailable,
                              self.identities.resolve, self.context, 'sp1',
                              'not-mine')
        self.assertIn('Available: k2k-home-project', str(e))

    def test_unknown_or_disabled_service_provider(self):
        self.cloud.disable_service_provider('sp2')
        for sp in ('nope', 'sp2'):
            e = self.assertRaises(federation_exception.ServiceProviderNotFound,
                                  self.identities.resolve, self.context, sp)
            self.assertIn(sp, str(e))

    def test_service_provider_down(self):
        self.cloud.set_down('sp1', keystone=True)
        e = self.assertRaises(federation_exception.ForeignAuthFailed,
                              self.identities.resolve, self.context, 'sp1')
        self.assertIn('sp1', str(e))

    def test_cinder_client_talks_to_the_foreign_cinder(self):
        volume_id = self.cloud.create_volume('sp1', ROUTE.project_id)
        client = self.clients.client(self.context, ROUTE, CINDER,
                                     microversion='3.44')
        self.assertEqual('3.44', client.api_version.get_string())
        self.assertEqual(volume_id, client.volumes.get(volume_id).id)
        self.assertTrue(client.client.session.verify)

    def test_glance_of_the_provider(self):
        mine = self.cloud.create_image('sp1', ROUTE.project_id, data=b'abc')
        theirs = self.cloud.create_image('sp1', 'another-project')
        found = image.show(self.context, ROUTE, mine)
        self.assertEqual((mine, hashlib.sha512(b'abc').hexdigest()),
                         (found.id, found.os_hash_value))
        self.assertRaises(glance_exception.HTTPNotFound, image.show,
                          self.context, ROUTE, theirs)
        self.cloud.set_down('sp1', glance=True)
        e = self.assertRaises(exception.ForeignCallFailed, image.show,
                              self.context, ROUTE, mine)
        self.assertIn('sp1 failed: its image service answered',
                      e.format_message())

    def test_microversion_unsupported_by_the_foreign_cinder(self):
        self.assertRaises(nova_exception.CinderAPIVersionNotAvailable,
                          self.clients.client, self.context, ROUTE, CINDER,
                          microversion='3.99')

    def test_call_reauthenticates_once(self):
        volume_id = self.cloud.create_volume('sp1', ROUTE.project_id)
        get = lambda client: client.volumes.get(volume_id).id  # noqa: E731
        self.assertEqual(volume_id, self.clients.call(
            self.context, ROUTE, CINDER, get))
        self.cloud.revoke_sp_tokens('sp1')
        self.assertEqual(volume_id, self.clients.call(
            self.context, ROUTE, CINDER, get))
        self.assertEqual(2, self.cloud.ecp_exchanges['sp1'])

    def test_call_gives_up_after_one_retry(self):
        calls = []

        def refused(client):
            calls.append(client)
            raise cinder_exception.Unauthorized(401)

        e = self.assertRaises(exception.ForeignCallFailed, self.clients.call,
                              self.context, ROUTE, CINDER, refused)
        self.assertIn('Service provider sp1 failed: Could not authenticate',
                      e.format_message())
        self.assertEqual(400, e.code)
        self.assertEqual(2, len(calls))
        self.assertEqual(2, self.cloud.ecp_exchanges['sp1'])

    def test_call_to_a_cinder_that_is_down_or_broken(self):
        """Nova's API answers these with a 400 and the message."""
        def fails(error):
            def call(client):
                raise error
            return call

        for error, words in (
                (ksa_exception.ConnectFailure('refused'), 'is unreachable'),
                (cinder_exception.ClientException(503, 'down'),
                 'answered down (HTTP 503)')):
            e = self.assertRaises(exception.ForeignCallFailed,
                                  self.clients.call, self.context, ROUTE,
                                  CINDER, fails(error))
            self.assertIsInstance(e, nova_exception.Invalid)
            self.assertIn('Service provider sp1 failed: its volume service %s'
                          % words, e.format_message())
        e = self.assertRaises(exception.ForeignCallFailed,
                              self.clients.call, self.context, ROUTE, CINDER,
                              fails(ksa_exception.EndpointNotFound('none')))
        self.assertIn('sp1 failed: it has no volume service in its catalog',
                      e.format_message())
        # the request's own faults stay Cinder's, for Nova to translate
        self.assertRaises(cinder_exception.NotFound, self.clients.call,
                          self.context, ROUTE, CINDER,
                          fails(cinder_exception.NotFound(404)))

    def test_cache_is_bounded(self):
        small = identities.IdentityCache(1)
        small.federate(self.context, 'sp1', ROUTE.project_id)
        small.federate(self.user_context('bob'), 'sp1', 'k2k-home-project')
        # alice's next request
        small.federate(self.user_context(), 'sp1', ROUTE.project_id)
        self.assertEqual(3, self.cloud.ecp_exchanges['sp1'])

    def test_forget(self):
        self.identities.federate(self.context, 'sp1', ROUTE.project_id)
        self.identities.forget(self.context, ROUTE)
        self.identities.federate(self.context, 'sp1', ROUTE.project_id)
        self.assertEqual(2, self.cloud.ecp_exchanges['sp1'])


class CinderServiceTypeTest(base.CloudTestCase):
    """The provider's Cinder under either type, as devstack registers."""

    def test_found_under_either_type(self):
        for types in (('block-storage',), ('volumev3',)):
            self.cloud = self.useFixture(cloud.CloudDouble(
                service_providers=('sp1',), cinder_types=types))
            self.flags(home_auth_url=self.cloud.home_auth_url)
            volume_id = self.cloud.create_volume('sp1', ROUTE.project_id)
            client = foreign_clients().client(
                self.user_context(), ROUTE, CINDER, microversion='3.44')
            self.assertEqual(volume_id, client.volumes.get(volume_id).id,
                             types)

    def test_no_cinder_in_the_catalog(self):
        self.cloud = self.useFixture(cloud.CloudDouble(
            service_providers=('sp1',), cinder_types=()))
        self.flags(home_auth_url=self.cloud.home_auth_url)
        self.assertRaises(ksa_exception.EndpointNotFound,
                          foreign_clients().client, self.user_context(),
                          ROUTE, CINDER, microversion='3.44')


class ServiceTokenTest(base.CloudTestCase):
    """Nova's own identity, federated too, rides along as service token."""

    def setUp(self):
        super().setUp()
        self.cloud.add_user('nova', 'service', roles=('service',),
                            password='secret')
        self.nova_identity(self.cloud.home_auth_url, project_id='service')
        self.clients = foreign_clients()
        self.identities = self.clients.identities

    def test_another_service_reads_as_nova(self):
        """Nova reads a user's volume for a service: a Cinder's event."""
        volume_id = self.cloud.create_volume('sp1', ROUTE.project_id)
        self.cloud.add_user('cinder', 'service', roles=('service',))
        context = self.user_context('cinder', 'service')
        context.roles = ['service']
        client = self.clients.client(context, ROUTE, CINDER)
        self.assertEqual(volume_id, client.volumes.get(volume_id).id)
        headers = self._cinder_requests()[-1]
        # Nova's own federated identity, which needs no service token.
        self.assertNotIn('X-Service-Token', headers)
        self.assertEqual(1, self.cloud.ecp_exchanges['sp1'])

    def _cinder_requests(self):
        return [r[3] for r in self.cloud.requests if r[0] == 'sp1/volume']

    def test_foreign_service_token(self):
        volume_id = self.cloud.create_volume('sp1', ROUTE.project_id)
        context = self.user_context()
        client = self.clients.client(context, ROUTE, CINDER)
        self.assertEqual(volume_id, client.volumes.get(volume_id).id)
        headers = self._cinder_requests()[-1]
        service = headers['X-Service-Token']
        self.assertNotEqual(headers['X-Auth-Token'], service)
        # Federated as well: one exchange for the user, one for Nova...
        self.assertEqual(2, self.cloud.ecp_exchanges['sp1'])
        # ...and never a home token: the provider issued it.
        home_tokens = {r[3].get('X-Auth-Token') for r in self.cloud.requests
                       if r[0] == 'home'}
        self.assertNotIn(service, home_tokens | {'alice:home-project'})
        # In the route's project, where it is a service too.
        nova = self.identities.federate(nova_context.get_admin_context(),
                                        'sp1', ROUTE.project_id)
        self.assertEqual(ROUTE.project_id, nova.project_id)
        # Nova's identity is cached like any other.
        self.clients.client(self.user_context('bob'), route.Route(
            'sp1', 'k2k-home-project'), CINDER).volumes.get(volume_id)
        self.assertEqual(3, self.cloud.ecp_exchanges['sp1'])

    def test_token_less_context_is_nova_itself(self):
        volume_id = self.cloud.create_volume('sp1', 'k2k-service')
        client = self.clients.client(nova_context.get_admin_context(),
                                     route.Route('sp1', 'k2k-service'),
                                     CINDER)
        self.assertEqual(volume_id, client.volumes.get(volume_id).id)
        self.assertNotIn('X-Service-Token', self._cinder_requests()[-1])
        self.assertEqual(1, self.cloud.ecp_exchanges['sp1'])


class ShortLivedTokensTest(base.CloudTestCase):
    """Tokens with less life than keystoneauth's margin are never reused."""

    TOKEN_TTL = 60

    def test_no_identity_outlives_its_token(self):
        cache = identities.IdentityCache(8)
        context = self.user_context()
        cache.federate(context, 'sp1', ROUTE.project_id)
        cache.federate(context, 'sp1', ROUTE.project_id)
        self.assertEqual(2, self.cloud.ecp_exchanges['sp1'])
