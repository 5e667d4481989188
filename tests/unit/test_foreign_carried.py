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

"""Federated identities travel with the request context.

Each IdentityCache here stands for one Nova process (nova-api, the
conductor, a compute host); the context crosses between them as on the
message bus: serialized by the extension, through JSON, rebuilt with
Nova's own RequestContext.from_dict and deserialized by the extension.
"""

import datetime
import logging

import fixtures
from nova import context as nova_context
from oslo_log import formatters
from oslo_serialization import jsonutils
from oslo_utils import timeutils

from mixmatch_federation import k2k
from mixmatch_federation import route
from nova_mixmatch.foreign import calls
from nova_mixmatch.foreign import carried
from nova_mixmatch.foreign import identities
from nova_mixmatch import volume
from tests.unit import base

ROUTE = route.Route('sp1', 'k2k-home-project')


def over_the_bus(context):
    """The context another process receives."""
    values = context.to_dict()
    carried.serialize(context, values)
    values = jsonutils.loads(jsonutils.dumps(values))
    received = nova_context.RequestContext.from_dict(values)
    carried.deserialize(values, received)
    return received


class CarriedTest(base.CloudTestCase):

    def setUp(self):
        super().setUp()
        self.api = identities.IdentityCache(8)
        self.conductor = identities.IdentityCache(8)
        self.compute = identities.IdentityCache(8)
        self.context = self.user_context()

    def exchanges(self):
        return self.cloud.ecp_exchanges['sp1']

    def test_one_exchange_for_every_process(self):
        """The API federates; the conductor and compute adopt it."""
        route_ = self.api.resolve(self.context, 'sp1')
        self.assertEqual(ROUTE, route_)
        at_conductor = over_the_bus(self.context)
        self.conductor.federate(at_conductor, 'sp1', ROUTE.project_id)
        at_compute = over_the_bus(at_conductor)
        identity = self.compute.federate(at_compute, 'sp1',
                                         ROUTE.project_id)
        self.assertEqual(1, self.exchanges())
        self.assertEqual(
            self.api.federate(self.context, 'sp1',
                              ROUTE.project_id).auth.auth_ref.auth_token,
            identity.auth.auth_ref.auth_token)
        self.assertEqual('idp', identity.identity_provider)
        # adopted for good in that process: later requests find it there
        self.assertIs(identity, self.compute.federate(
            self.user_context(), 'sp1', ROUTE.project_id))
        self.assertEqual(1, self.exchanges())

    def test_adopted_identity_calls_the_foreign_cinder(self):
        volume_id = self.cloud.create_volume('sp1', ROUTE.project_id)
        self.api.resolve(self.context, 'sp1')
        compute = calls.ForeignClients(self.compute)
        found = compute.call(
            over_the_bus(self.context), ROUTE, volume.BLOCK_STORAGE,
            lambda client: client.volumes.get(volume_id).id)
        self.assertEqual(volume_id, found)
        self.assertEqual(1, self.exchanges())

    def test_refused_carried_identity_reauthenticates_once(self):
        volume_id = self.cloud.create_volume('sp1', ROUTE.project_id)
        self.api.resolve(self.context, 'sp1')
        self.cloud.revoke_sp_tokens('sp1')
        received = over_the_bus(self.context)
        compute = calls.ForeignClients(self.compute)
        self.assertEqual(volume_id, compute.call(
            received, ROUTE, volume.BLOCK_STORAGE,
            lambda client: client.volumes.get(volume_id).id))
        self.assertEqual(2, self.exchanges())
        # the context goes on with the new identity, not the refused one
        self.assertIs(self.compute.federate(received, 'sp1',
                                            ROUTE.project_id),
                      carried.find(received, 'sp1', ROUTE.project_id))
        self.assertNotIn(
            carried.find(self.context, 'sp1', ROUTE.project_id).to_primitive()[
                'auth_token'],
            jsonutils.dumps(over_the_bus(received).to_dict()))

    def test_expiring_carried_identity_is_not_adopted(self):
        self.api.resolve(self.context, 'sp1')
        values = self.context.to_dict()
        carried.serialize(self.context, values)
        soon = (datetime.datetime.now(datetime.timezone.utc) +
                datetime.timedelta(seconds=60)).isoformat()
        values[carried.KEY][0]['body']['token']['expires_at'] = soon
        received = nova_context.RequestContext.from_dict(values)
        carried.deserialize(values, received)
        self.compute.federate(received, 'sp1', ROUTE.project_id)
        self.assertEqual(2, self.exchanges())

    def test_home_token_expiring_is_not_adopted(self):
        self.api.resolve(self.context, 'sp1')
        values = self.context.to_dict()
        carried.serialize(self.context, values)
        values[carried.KEY][0]['home_expires_at'] = (
            datetime.datetime.now(datetime.timezone.utc).isoformat())
        received = nova_context.RequestContext.from_dict(values)
        carried.deserialize(values, received)
        self.compute.federate(received, 'sp1', ROUTE.project_id)
        self.assertEqual(2, self.exchanges())

    def test_nova_identity_never_travels(self):
        """Nova's own federated token (the service token) stays home."""
        self.cloud.add_user('nova', 'service', roles=('service',),
                            password='secret')
        self.nova_identity(self.cloud.home_auth_url, project_id='service')
        self.cloud.create_volume('sp1', ROUTE.project_id)
        clients = calls.ForeignClients(self.api)
        clients.client(self.context, ROUTE, volume.BLOCK_STORAGE)
        self.assertEqual(2, self.exchanges())   # the user's and Nova's
        values = self.context.to_dict()
        carried.serialize(self.context, values)
        self.assertEqual(['alice'], [p['body']['token']['user']['name']
                                     for p in values[carried.KEY]])
        admin = nova_context.get_admin_context()
        clients.client(admin, route.Route('sp1', 'k2k-service'),
                       volume.BLOCK_STORAGE)
        values = admin.to_dict()
        carried.serialize(admin, values)
        self.assertNotIn(carried.KEY, values)

    def test_nothing_travels_when_disabled(self):
        self.api.resolve(self.context, 'sp1')
        self.flags(enabled=False)
        values = self.context.to_dict()
        carried.serialize(self.context, values)
        self.assertNotIn(carried.KEY, values)
        self.flags(enabled=True)
        carried.serialize(self.context, values)
        self.flags(enabled=False)
        received = nova_context.RequestContext.from_dict(values)
        carried.deserialize(values, received)
        self.assertIsNone(carried.find(received, 'sp1', ROUTE.project_id))

    def test_carried_token_is_never_logged(self):
        """Nova's log lines show the context's logging values only."""
        self.api.resolve(self.context, 'sp1')
        token = self.api.federate(self.context, 'sp1',
                                  ROUTE.project_id).auth.auth_ref.auth_token
        received = over_the_bus(self.context)
        self.assertIsNotNone(carried.find(received, 'sp1', ROUTE.project_id))
        logger = self.useFixture(fixtures.FakeLogger(
            level=logging.DEBUG, format='%(message)s'))
        handler = logging.getLogger().handlers[-1]
        handler.setFormatter(formatters.ContextFormatter(
            project='nova', version='1',
            fmt='%(message)s %(user_identity)s'))
        log = logging.getLogger('nova.compute.manager')
        log.info('attaching', extra={'context': received})
        log.debug('the context: %s', received.get_logging_values())
        self.compute.federate(received, 'sp1', ROUTE.project_id)
        self.assertIn('attaching', logger.output)
        self.assertNotIn(token, logger.output)
        # a notification's context is a redacted copy: nothing travels
        redacted = received.redacted_copy()
        values = redacted.to_dict()
        carried.serialize(redacted, values)
        self.assertNotIn(carried.KEY, values)


class RefreshAheadTest(base.CloudTestCase):
    """An identity is exchanged again before it expires, off the request.

    When the provider's tokens live less than the home token, as in the
    sandbox: a new exchange then gives one that lives longer.
    """

    SP_TOKEN_TTL = 1800

    def setUp(self):
        super().setUp()
        # the background exchange, run at once
        self.useFixture(fixtures.MockPatchObject(
            identities.IdentityCache, '_spawn', staticmethod(
                lambda func: func())))
        self.api = identities.IdentityCache(8)
        self.compute = identities.IdentityCache(8)
        self.context = self.user_context()

    def later(self, fraction):
        """The clock moved by fraction of a token's usable life."""
        usable = self.SP_TOKEN_TTL - k2k.MIN_TOKEN_LIFE
        timeutils.set_time_override(
            timeutils.utcnow() +
            datetime.timedelta(seconds=usable * fraction))
        self.addCleanup(timeutils.clear_time_override)

    def test_due_identity_serves_and_is_exchanged_again(self):
        first = self.api.federate(self.context, 'sp1', ROUTE.project_id)
        self.assertIs(first, self.api.federate(self.user_context(), 'sp1',
                                               ROUTE.project_id))
        self.assertEqual(1, self.cloud.ecp_exchanges['sp1'])
        self.later(1 - identities.REFRESH_AHEAD / 2)
        # this request still gets the old one; the cache has a new one
        self.assertIs(first, self.api.federate(self.user_context(), 'sp1',
                                               ROUTE.project_id))
        self.assertEqual(2, self.cloud.ecp_exchanges['sp1'])
        # the new one, issued at the providers' (real) time, is not due
        timeutils.clear_time_override()
        second = self.api.federate(self.user_context(), 'sp1',
                                   ROUTE.project_id)
        self.assertIsNot(first, second)
        self.assertGreater(second.expires_at, first.expires_at)
        self.assertEqual(2, self.cloud.ecp_exchanges['sp1'])

    def test_not_due_early(self):
        self.api.federate(self.context, 'sp1', ROUTE.project_id)
        self.later(1 - identities.REFRESH_AHEAD * 2)
        self.api.federate(self.user_context(), 'sp1', ROUTE.project_id)
        self.assertEqual(1, self.cloud.ecp_exchanges['sp1'])

    def test_adopted_identity_waits_for_a_newer_one(self):
        """A compute host takes nova-api's next identity, no exchange."""
        context = self.user_context()
        self.api.federate(context, 'sp1', ROUTE.project_id)
        adopted = self.compute.federate(over_the_bus(context), 'sp1',
                                        ROUTE.project_id)
        self.later(1 - identities.REFRESH_AHEAD / 2)
        self.assertIs(adopted, self.compute.federate(
            self.user_context(), 'sp1', ROUTE.project_id))
        self.assertEqual(1, self.cloud.ecp_exchanges['sp1'])
        # nova-api's next request: it refreshes, then carries the new one
        self.api.federate(self.user_context(), 'sp1', ROUTE.project_id)
        timeutils.clear_time_override()
        context = self.user_context()
        newer = self.api.federate(context, 'sp1', ROUTE.project_id)
        self.assertEqual(2, self.cloud.ecp_exchanges['sp1'])
        received = over_the_bus(context)
        self.assertEqual(
            newer.auth.auth_ref.auth_token,
            self.compute.federate(received, 'sp1',
                                  ROUTE.project_id).auth.auth_ref.auth_token)
        # ...and keeps it for the next requests
        self.assertEqual(
            newer.auth.auth_ref.auth_token,
            self.compute.federate(self.user_context(), 'sp1',
                                  ROUTE.project_id).auth.auth_ref.auth_token)
        self.assertEqual(2, self.cloud.ecp_exchanges['sp1'])

    def test_not_due_when_the_home_token_ends_first(self):
        """A new exchange would not outlive the home token: no use."""
        self.cloud._sp_token_ttl = 7200
        self.api.federate(self.context, 'sp1', ROUTE.project_id)
        self.later(1)
        self.api.federate(self.user_context(), 'sp1', ROUTE.project_id)
        self.assertEqual(1, self.cloud.ecp_exchanges['sp1'])

    def test_failed_refresh_leaves_the_old_one(self):
        first = self.api.federate(self.context, 'sp1', ROUTE.project_id)
        self.later(1 - identities.REFRESH_AHEAD / 2)
        self.cloud.set_down('sp1', keystone=True)
        self.assertIs(first, self.api.federate(self.user_context(), 'sp1',
                                               ROUTE.project_id))
        self.assertEqual(set(), self.api._refreshing)
