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

import datetime

from nova import context as nova_context
from nova import objects
from nova import test
from oslo_utils.fixture import uuidsentinel as uuids
from oslo_utils import timeutils

from mixmatch_federation import route
from nova_mixmatch import db
from nova_mixmatch import sysmeta

FOREIGN = route.Route('sp1', 'p1')


class _MappingsTestCase(test.TestCase):
    """Against Nova's real schema (sqlite), through Nova's objects."""

    def setUp(self):
        super().setUp()
        self.context = nova_context.get_admin_context()
        self.instance = objects.Instance(
            self.context, uuid=uuids.instance, project_id='p',
            user_id='u', system_metadata={
                sysmeta.key(uuids.foreign): FOREIGN.to_json()})
        self.instance.create()
        self.foreign = self._bdm(uuids.foreign, uuids.foreign_attachment)
        self._bdm(uuids.home, uuids.home_attachment)

    def _bdm(self, volume_id, attachment_id):
        bdm = objects.BlockDeviceMapping(
            self.context, instance_uuid=self.instance.uuid,
            volume_id=volume_id, attachment_id=attachment_id,
            source_type='volume', destination_type='volume',
            device_name='/dev/vd' + volume_id[0])
        bdm.create()
        return bdm


class LookupImageRouteTest(test.TestCase):

    def setUp(self):
        super().setUp()
        self.context = nova_context.get_admin_context()

    def _instance(self, uuid, image_ref, system_metadata):
        instance = objects.Instance(
            self.context, uuid=uuid, project_id='p', user_id='u',
            image_ref=image_ref, system_metadata=system_metadata)
        instance.create()
        return instance

    def test_foreign_home_and_unknown(self):
        instance = self._instance(uuids.built, uuids.foreign_image, {
            sysmeta.image_key(uuids.foreign_image): FOREIGN.to_json()})
        self._instance(uuids.other, uuids.home_image, {})
        self.assertEqual((True, FOREIGN), db.lookup_image_route(
            self.context, uuids.foreign_image))
        self.assertEqual((True, None), db.lookup_image_route(
            self.context, uuids.home_image))
        self.assertEqual((False, None), db.lookup_image_route(
            self.context, uuids.unknown))
        # A deleted server still says where its image came from.
        instance.destroy()
        self.assertEqual((True, FOREIGN), db.lookup_image_route(
            self.context, uuids.foreign_image))


class LookupRouteTest(_MappingsTestCase):

    def test_foreign(self):
        self.assertEqual((True, FOREIGN), db.lookup_route(
            self.context, volume_id=uuids.foreign))
        self.assertEqual((True, FOREIGN), db.lookup_route(
            self.context, attachment_id=uuids.foreign_attachment))

    def test_home(self):
        self.assertEqual((True, None), db.lookup_route(
            self.context, volume_id=uuids.home))
        self.assertEqual((True, None), db.lookup_route(
            self.context, attachment_id=uuids.home_attachment))

    def test_unknown(self):
        self.assertEqual((False, None), db.lookup_route(
            self.context, attachment_id=uuids.unknown))

    def test_deleted_mapping_still_knows(self):
        # Nova deletes a volume on termination after destroying its BDM.
        self.foreign.destroy()
        self.assertEqual((True, FOREIGN), db.lookup_route(
            self.context, volume_id=uuids.foreign))

    def test_deleted_instance_still_knows(self):
        self.instance.destroy()
        self.assertEqual((True, FOREIGN), db.lookup_route(
            self.context, attachment_id=uuids.foreign_attachment))

    def test_removed_route_is_gone(self):
        # A failed cross-cloud attach takes its route back; the volume may
        # be attached from home later.
        db.delete_route(self.context, self.instance.uuid,
                        sysmeta.key(uuids.foreign))
        self.assertEqual((True, None), db.lookup_route(
            self.context, volume_id=uuids.foreign))
        # nor in the instance, which reads its deleted rows too
        instance = objects.Instance.get_by_uuid(
            self.context, self.instance.uuid,
            expected_attrs=['system_metadata'])
        self.assertNotIn(sysmeta.key(uuids.foreign),
                         instance.system_metadata)

    def test_routes_saved_at_once_all_stay(self):
        """Two attaches to one server, each with its stale instance."""
        self._bdm(uuids.second, uuids.second_attachment)
        second = route.Route('sp2', 'p2')
        stale = objects.Instance.get_by_uuid(
            self.context, self.instance.uuid, expected_attrs=[
                'system_metadata'])
        db.save_route(self.context, self.instance.uuid,
                      sysmeta.key(uuids.second), second.to_json())
        db.delete_route(self.context, self.instance.uuid,
                        sysmeta.key(uuids.home))
        # the first attach's instance, loaded before, saves other fields
        stale.display_name = 'renamed'
        stale.save()
        self.assertEqual((True, FOREIGN), db.lookup_route(
            self.context, volume_id=uuids.foreign))
        self.assertEqual((True, second), db.lookup_route(
            self.context, volume_id=uuids.second))

    def test_route_of_another_instance_does_not_apply(self):
        other = objects.Instance(
            self.context, uuid=uuids.other, project_id='p', user_id='u',
            system_metadata={
                sysmeta.key(uuids.home): FOREIGN.to_json()})
        other.create()
        self.assertEqual((True, None), db.lookup_route(
            self.context, volume_id=uuids.home))


class ReconcileQueriesTest(_MappingsTestCase):
    """What the reconciler reads: Nova's memory of foreign cleanups."""

    def test_foreign_routes_of_live_and_deleted_servers(self):
        gone = objects.Instance(
            self.context, uuid=uuids.gone, project_id='p', user_id='u',
            system_metadata={sysmeta.key(uuids.v): route.Route(
                'sp2', 'p2').to_json(), 'other_key': 'x'})
        gone.create()
        gone.destroy()
        self.assertEqual({FOREIGN, route.Route('sp2', 'p2')},
                         db.foreign_routes(self.context))
        self.assertEqual({FOREIGN}, db.instance_routes(
            self.context, self.instance.uuid))

    def test_mappings_of_attachments(self):
        self.foreign.delete_on_termination = True
        self.foreign.save()
        self.instance.destroy()
        found = db.mappings_of_attachments(
            self.context, [uuids.foreign_attachment, uuids.unknown])
        self.assertEqual([uuids.foreign_attachment], list(found))
        mapping, = found[uuids.foreign_attachment]
        self.assertEqual((self.instance.uuid, uuids.foreign, True, True,
                          True, False),
                         (mapping.instance_uuid, mapping.volume_id,
                          mapping.deleted, mapping.delete_on_termination,
                          mapping.server_deleted, mapping.connected))
        self.assertEqual({}, db.mappings_of_attachments(self.context, []))

    def test_live_foreign_mappings(self):
        (mapping, where), = db.live_foreign_mappings(self.context)
        self.assertEqual((uuids.foreign_attachment, FOREIGN, False),
                         (mapping.attachment_id, where, mapping.deleted))
        # a detached one is no longer live
        self.foreign.destroy()
        self.assertEqual([], db.live_foreign_mappings(self.context))

    def test_terminated_volumes(self):
        since = timeutils.utcnow() - datetime.timedelta(hours=1)
        self.assertEqual([], db.terminated_volumes(self.context, since))
        self.foreign.delete_on_termination = True
        self.foreign.save()
        self.instance.destroy()
        (mapping, where), = db.terminated_volumes(self.context, since)
        self.assertEqual((uuids.foreign, FOREIGN),
                         (mapping.volume_id, where))
        # the window is over
        self.assertEqual([], db.terminated_volumes(
            self.context, timeutils.utcnow() + datetime.timedelta(hours=1)))
