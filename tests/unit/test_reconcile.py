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

"""The reconciler's decisions, with Nova's database and the providers as
doubles (tests/unit/test_db.py runs the queries on Nova's schema; the
integration tests run the whole against the sandbox)."""

import datetime
from unittest import mock

import fixtures
from oslo_utils import timeutils

from mixmatch_federation import route
from nova_mixmatch import db
from nova_mixmatch import exception
from nova_mixmatch import reconcile
from tests.unit import base

SP = 'sp1'
ROUTE = route.Route(SP, 'p1')
NOW = datetime.datetime(2026, 12, 2, 12, 0, 0)
OLD = '2026-12-02T11:00:00Z'
RECENT = '2026-12-02T11:59:50Z'


def mapping(attachment_id='a1', deleted=False, server_deleted=False,
            delete_on_termination=False, task_state=None, connected=True,
            volume_id='v1'):
    return db.Mapping('s1', volume_id, attachment_id, deleted,
                      delete_on_termination, server_deleted, task_state,
                      connected)


def attachment(id='a1', attach_status='attached', volume_status='in-use',
               updated_at=OLD, volume_updated_at=OLD, volume_id='v1'):
    return {'id': id, 'volume_id': volume_id, 'project_id': 'p1',
            'home': 'idp', 'server_id': 's1', 'host': 'h',
            'attach_status': attach_status, 'volume_status': volume_status,
            'updated_at': updated_at, 'volume_updated_at': volume_updated_at}


class FakeProvider:
    """A provider's Cinder: what the home's Nova sees and does there."""

    def __init__(self):
        self.attachments = []
        self.shown = {}
        self.volumes_by_status = {}
        self.done = []
        self.down = False

    def __call__(self, context, where):
        self.where = where
        return self

    def home_attachments(self):
        if self.down:
            raise exception.ForeignCallFailed(service_provider=SP,
                                              reason='down')
        return self.attachments

    def release(self, attachment_id):
        self.done.append(('release', attachment_id))
        return True

    def roll_detaching(self, volume_id):
        self.done.append(('roll_detaching', volume_id))
        return True

    def delete_volume(self, volume_id):
        self.done.append(('delete', volume_id))
        return True

    def attachment(self, attachment_id):
        return self.shown.get(attachment_id)

    def volume(self, volume_id):
        return self.shown.get(volume_id)

    def volumes(self, status):
        return self.volumes_by_status.get(status, [])


class AuditTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.flags(reconcile_grace=600)
        self.provider = FakeProvider()
        self.useFixture(fixtures.MockPatch(
            'nova_mixmatch.provider.Provider', self.provider))
        self.mappings = {}
        self.live = []
        self.terminated = []
        for name, value in (
                ('foreign_routes', lambda ctxt: {ROUTE}),
                ('mappings_of_attachments',
                 lambda ctxt, ids: {i: self.mappings[i] for i in ids
                                    if i in self.mappings}),
                ('live_foreign_mappings', lambda ctxt: self.live),
                ('terminated_volumes', lambda ctxt, since: self.terminated)):
            self.useFixture(fixtures.MockPatchObject(db, name, value))
        self.bdm = self.useFixture(fixtures.MockPatch(
            'nova.objects.BlockDeviceMapping.get_by_volume_and_instance')
        ).mock.return_value
        timeutils.set_time_override(NOW)
        self.addCleanup(timeutils.clear_time_override)

    def audit(self, **kwargs):
        findings = reconcile.audit(mock.sentinel.context, **kwargs)
        return [(f.kind, f.recent, f.outcome) for f in findings]

    def test_agreeing_clouds(self):
        self.provider.attachments = [attachment()]
        self.mappings['a1'] = [mapping()]
        self.live = [(mapping(), ROUTE)]
        self.assertEqual([], self.audit(fix=True))
        self.assertEqual([], self.provider.done)

    def test_deleted_server_attachment_released_and_volume_deleted(self):
        """The server was deleted while the provider was down."""
        self.provider.attachments = [attachment(updated_at=RECENT)]
        self.mappings['a1'] = [mapping(deleted=True, server_deleted=True,
                                       delete_on_termination=True)]
        self.assertEqual([('released', False, '')], self.audit())
        self.assertEqual([], self.provider.done)
        # no grace: Nova is done with it
        self.assertEqual(
            [('released', False, 'released, volume deleted')],
            self.audit(fix=True))
        self.assertEqual([('release', 'a1'), ('delete', 'v1')],
                         self.provider.done)

    def test_detached_mapping_attachment_released_volume_kept(self):
        self.provider.attachments = [attachment()]
        self.mappings['a1'] = [mapping(deleted=True)]
        self.assertEqual([('released', False, 'released')],
                         self.audit(fix=True))
        self.assertEqual([('release', 'a1')], self.provider.done)

    def test_unknown_attachment_waits_out_the_grace(self):
        self.provider.attachments = [attachment(updated_at=RECENT)]
        self.assertEqual([('unknown', True, '')], self.audit(fix=True))
        self.assertEqual([], self.provider.done)
        self.assertEqual([('unknown', False, 'released')],
                         self.audit(fix=True, grace=0))

    def test_stuck_detaching_rolled_back(self):
        self.provider.attachments = [attachment(volume_status='detaching')]
        self.mappings['a1'] = [mapping()]
        self.live = [(mapping(), ROUTE)]
        self.assertEqual([('stuck-detaching', False, 'back in use')],
                         self.audit(fix=True))
        self.assertEqual([('roll_detaching', 'v1')], self.provider.done)

    def test_detaching_in_flight_is_left_alone(self):
        self.provider.attachments = [attachment(
            volume_status='detaching', volume_updated_at=RECENT)]
        self.mappings['a1'] = [mapping()]
        self.live = [(mapping(), ROUTE)]
        self.assertEqual([('stuck-detaching', True, '')],
                         self.audit(fix=True))
        self.assertEqual([], self.provider.done)

    def test_unfinished_attach_released_and_unmapped(self):
        self.provider.attachments = [attachment(attach_status='reserved',
                                                volume_status='reserved')]
        self.mappings['a1'] = [mapping(connected=False)]
        self.live = [(mapping(connected=False), ROUTE)]
        self.assertEqual(
            [('unfinished-attach', False, 'released, mapping dropped')],
            self.audit(fix=True))
        self.bdm.destroy.assert_called_once_with()
        # but not while the server has a task under way
        self.mappings['a1'] = [mapping(connected=False,
                                       task_state='rebuilding')]
        self.assertEqual([], self.audit(fix=True))

    def test_missing_attachment_only_the_operator_drops_the_mapping(self):
        self.live = [(mapping(), ROUTE)]
        self.assertEqual([('missing', False, '')],
                         self.audit(fix=True, periodic=True))
        self.bdm.destroy.assert_not_called()
        self.assertEqual([('missing', False, 'mapping dropped')],
                         self.audit(fix=True))
        self.bdm.destroy.assert_called_once_with()

    def test_attachment_not_marked_as_home_is_not_missing(self):
        self.live = [(mapping(), ROUTE)]
        self.provider.shown['a1'] = {'id': 'a1'}
        self.assertEqual([], self.audit(fix=True))

    def test_stuck_volumes_reported_for_the_providers_admin(self):
        self.provider.volumes_by_status = {
            'deleting': [{'id': 'v2', 'updated_at': OLD}],
            'error_deleting': [{'id': 'v3', 'updated_at': RECENT}]}
        self.assertEqual([('stuck-volume', False, ''),
                          ('stuck-volume', True, '')], self.audit(fix=True))
        # the periodic task does not list them
        self.assertEqual([], self.audit(fix=True, periodic=True))

    def test_terminated_volume_deleted(self):
        self.terminated = [(mapping(deleted=True, server_deleted=True,
                                    delete_on_termination=True), ROUTE)]
        self.provider.shown['v1'] = {'id': 'v1', 'status': 'available'}
        self.assertEqual([('terminated', False, 'volume deleted')],
                         self.audit(fix=True))
        # gone, being deleted, or still attached (its attachment's finding
        # comes first): nothing to do yet
        for shown in (None, {'id': 'v1', 'status': 'deleting'},
                      {'id': 'v1', 'status': 'in-use'}):
            self.provider.shown['v1'] = shown
            self.assertEqual([], self.audit(fix=True))
        # in error: only the provider's admin can help
        self.provider.shown['v1'] = {'id': 'v1', 'status': 'error'}
        self.assertEqual([('terminated', False, '')], self.audit(fix=True))

    def test_a_provider_down_is_postponed(self):
        self.provider.down = True
        self.live = [(mapping(), ROUTE)]
        self.assertEqual([], self.audit(fix=True))

    def test_a_failed_repair_is_reported_and_retried_later(self):
        self.provider.attachments = [attachment()]
        self.mappings['a1'] = [mapping(deleted=True)]
        self.provider.release = mock.Mock(
            side_effect=exception.ForeignCallFailed(service_provider=SP,
                                                    reason='down'))
        (kind, recent, outcome), = self.audit(fix=True)
        self.assertTrue(outcome.startswith('failed: '), outcome)


class PeriodicTaskTest(base.TestCase):

    @mock.patch.object(reconcile, 'audit')
    def test_runs_as_nova_every_interval(self, audit):
        self.flags(enabled=True, reconcile_interval=42)
        task = reconcile.periodic_task()
        self.assertEqual((42, True), (task._periodic_spacing,
                                      task._periodic_enabled))
        task(mock.sentinel.manager, mock.sentinel.context)
        context = audit.call_args[0][0]
        self.assertIsNone(context.auth_token)
        self.assertEqual({'fix': True, 'periodic': True},
                         audit.call_args[1])

    @mock.patch.object(reconcile, 'audit')
    def test_disabled(self, audit):
        self.flags(enabled=True, reconcile_interval=0)
        self.assertFalse(reconcile.periodic_task()._periodic_enabled)
        self.flags(enabled=False, reconcile_interval=10)
        reconcile.periodic_task()(mock.sentinel.manager,
                                  mock.sentinel.context)
        audit.assert_not_called()
