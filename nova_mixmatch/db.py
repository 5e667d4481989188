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

import collections
import typing

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


@main_db.pick_context_manager_reader
def lookup_image_route(context, image_id):
    """Find where an image lives.

    Any server built from the image, deleted ones too, says: its
    system_metadata has the image's route from its creation on (see
    :func:`nova_mixmatch.api.instance_for_create`), or none for a home
    image.

    :returns: ``(known, route)``. ``known`` is False when no server was
        ever built from that image, so the answer may change and must not
        be cached; ``route`` is None for the home cloud.
    """
    meta = models.InstanceSystemMetadata
    value = context.session.query(meta.value).filter(
        meta.key == sysmeta.image_key(image_id)).limit(1).scalar()
    if value:
        return True, route.Route.from_json(value)
    instance = models.Instance
    used = context.session.query(instance.id).filter(
        instance.image_ref == image_id).limit(1).scalar()
    return used is not None, None


def save_route(context, instance_uuid, key, value):
    """Record one route (its sysmeta key and value) for an instance.

    Only this key is written. ``Instance.save()`` writes the whole
    system_metadata and deletes the keys it does not know: two attaches to
    one server at once would each drop the other's route.
    """
    main_db.instance_system_metadata_update(
        context, instance_uuid, {key: value}, delete=False)


@main_db.pick_context_manager_writer
def delete_route(context, instance_uuid, key):
    """Forget one route of an instance (a failed attach, or rebuild).

    Deleted for good, as Nova deletes system_metadata keys: an instance
    reads its deleted system_metadata rows too.
    """
    main_db.model_query(context, models.InstanceSystemMetadata).filter_by(
        instance_uuid=instance_uuid, key=key,
    ).delete(synchronize_session=False)


class Mapping(typing.NamedTuple):
    """A block device mapping, as the reconciler sees it."""

    instance_uuid: str
    volume_id: str
    attachment_id: str | None
    #: the mapping is gone (detached, or its server deleted)
    deleted: bool
    delete_on_termination: bool
    server_deleted: bool
    #: the server's task (None: nothing under way)
    task_state: str | None
    #: ever connected to the guest
    connected: bool


def _mappings(context):
    bdm, instance = models.BlockDeviceMapping, models.Instance
    return context.session.query(
        bdm.instance_uuid, bdm.volume_id, bdm.attachment_id, bdm.deleted,
        bdm.delete_on_termination, instance.deleted, instance.task_state,
        bdm.connection_info,
    ).join(instance, instance.uuid == bdm.instance_uuid)


def _mapping(row):
    (uuid, volume_id, attachment_id, deleted, delete_on_termination,
     server_deleted, task_state, connection_info) = row
    return Mapping(uuid, volume_id, attachment_id, bool(deleted),
                   bool(delete_on_termination), bool(server_deleted),
                   task_state, bool(connection_info))


def _routed(query):
    """Only the mappings of foreign volumes, with their route's JSON."""
    bdm, meta = models.BlockDeviceMapping, models.InstanceSystemMetadata
    return query.add_columns(meta.value).join(meta, sa.and_(
        meta.instance_uuid == bdm.instance_uuid,
        meta.key == sa.literal(sysmeta.PREFIX) + bdm.volume_id))


@main_db.pick_context_manager_reader
def foreign_routes(context) -> set[route.Route]:
    """Every route recorded, of live servers and of deleted ones."""
    meta = models.InstanceSystemMetadata
    values = context.session.query(meta.value).filter(
        meta.key.startswith(sysmeta.PREFIX, autoescape=True)).distinct()
    return {route.Route.from_json(value) for (value,) in values}


@main_db.pick_context_manager_reader
def mappings_of_attachments(context, attachment_ids
                            ) -> dict[str, list[Mapping]]:
    """{attachment id: its mappings, deleted ones too} of those known."""
    found = collections.defaultdict(list)
    if attachment_ids:
        rows = _mappings(context).filter(
            models.BlockDeviceMapping.attachment_id.in_(set(attachment_ids)))
        for row in rows:
            mapping = _mapping(row)
            found[mapping.attachment_id].append(mapping)
    return dict(found)


@main_db.pick_context_manager_reader
def live_foreign_mappings(context) -> list[tuple[Mapping, route.Route]]:
    """The mappings of foreign volumes that live servers hold."""
    bdm, instance = models.BlockDeviceMapping, models.Instance
    meta = models.InstanceSystemMetadata
    rows = _routed(_mappings(context)).filter(
        bdm.deleted == 0, instance.deleted == 0, meta.deleted == 0,
        bdm.attachment_id.isnot(None))
    return [(_mapping(row[:-1]), route.Route.from_json(row[-1]))
            for row in rows]


@main_db.pick_context_manager_reader
def terminated_volumes(context, since
                       ) -> list[tuple[Mapping, route.Route]]:
    """Foreign volumes of servers deleted since ``since``, to delete.

    Their mappings said delete on termination.
    """
    bdm, instance = models.BlockDeviceMapping, models.Instance
    rows = _routed(_mappings(context)).filter(
        bdm.deleted != 0, bdm.delete_on_termination == sa.true(),
        instance.deleted != 0, instance.deleted_at >= since,
        bdm.volume_id.isnot(None))
    return [(_mapping(row[:-1]), route.Route.from_json(row[-1]))
            for row in rows]


@main_db.pick_context_manager_reader
def instance_routes(context, instance_uuid) -> set[route.Route]:
    """The routes of every foreign volume a server has had."""
    meta = models.InstanceSystemMetadata
    values = context.session.query(meta.value).filter(
        meta.instance_uuid == instance_uuid, meta.deleted == 0,
        meta.key.startswith(sysmeta.PREFIX, autoescape=True))
    return {route.Route.from_json(value) for (value,) in values}
