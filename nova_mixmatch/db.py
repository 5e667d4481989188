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

"""Read the recorded cloud of a volume or attachment from Nova's database.

A foreign volume attached to an instance has a block device mapping and an
instance system_metadata entry that names its service provider (written
at attach time by :mod:`nova_mixmatch.api`). Only services with database
access (nova-api, nova-conductor) call this; nova-compute asks the
conductor (:mod:`nova_mixmatch.conductor`).
"""

from nova.db.main import api as main_db
from nova.db.main import models
import sqlalchemy as sa

from mixmatch_federation import route
from nova_mixmatch import sysmeta


@main_db.pick_context_manager_reader
def lookup_route(context, volume_id=None, attachment_id=None):
    """Find where a volume or an attachment lives.

    Deleted mappings count too: an id never changes cloud, and Nova still
    calls Cinder after destroying a mapping (delete on termination).

    :returns: ``(known, route)``. ``known`` is False when no block device
        mapping has that id yet, so the answer may change and must not be
        cached; ``route`` is None for the home cloud.
    """
    bdm = models.BlockDeviceMapping
    query = context.session.query(bdm.instance_uuid, bdm.volume_id)
    if attachment_id is not None:
        query = query.filter(bdm.attachment_id == attachment_id)
    else:
        query = query.filter(bdm.volume_id == volume_id)
    mappings = query.all()
    if not mappings:
        return False, None

    meta, instance = models.InstanceSystemMetadata, models.Instance
    value = context.session.query(meta.value).join(
        instance, instance.uuid == meta.instance_uuid,
    ).filter(
        meta.instance_uuid.in_({m.instance_uuid for m in mappings}),
        meta.key.in_({sysmeta.key(m.volume_id) for m in mappings}),
        # A route removed from a live instance (a failed attach) is gone;
        # the routes of a deleted instance were deleted with it.
        sa.or_(meta.deleted == 0, instance.deleted != 0),
    ).limit(1).scalar()
    return True, value and route.Route.from_json(value)


def save_route(context, instance_uuid, volume_id, value):
    """Record the route of one volume (its sysmeta value) for an instance.

    Only this key is written. ``Instance.save()`` writes the whole
    system_metadata and deletes the keys it does not know: two attaches to
    one server at once would each drop the other's route.
    """
    main_db.instance_system_metadata_update(
        context, instance_uuid, {sysmeta.key(volume_id): value},
        delete=False)


@main_db.pick_context_manager_writer
def delete_route(context, instance_uuid, volume_id):
    """Forget the route of one volume of an instance (a failed attach).

    Deleted for good, as Nova deletes system_metadata keys: an instance
    reads its deleted system_metadata rows too.
    """
    main_db.model_query(context, models.InstanceSystemMetadata).filter_by(
        instance_uuid=instance_uuid, key=sysmeta.key(volume_id),
    ).delete(synchronize_session=False)
