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

"""What cinder_mixmatch needs of Cinder itself: its database, its errors
and its user messages.

Only Cinder's processes import this module (``compute.API`` loads it when
Cinder builds one), so that the routing is tested without Cinder.
"""

from cinder import exception
from cinder.i18n import _
from cinder.message import api as message_api
from cinder.message import message_field
from cinder import objects

from mixmatch_federation import connector as connector_mod

_ACTIONS = {'extend': message_field.Action.EXTEND_VOLUME,
            'reimage': message_field.Action.REIMAGE_VOLUME}
_DETAILS = {'extend': message_field.Detail.NOTIFY_COMPUTE_SERVICE_FAILED,
            'reimage': message_field.Detail.REIMAGE_VOLUME_FAILED}


class ForeignAttachmentConflict(exception.CinderException):
    message = _('Volume %(volume_id)s is attached to server %(server_id)s '
                'of cloud %(home)s: %(reason)s')
    code = 409
    safe = True


def home_of(context, server_id, volume_id):
    """The home cloud of server_id, as its attachment of volume_id names.

    None for a server of this cloud.
    """
    for attachment in objects.VolumeAttachmentList.get_all_by_volume_id(
            context.elevated(), volume_id):
        home = connector_mod.home_of(attachment.connector)
        if attachment.instance_uuid == server_id and home:
            return home
    return None


def home_of_volume(context, volume_id):
    """The home cloud of the server the volume is attached to, or None."""
    for attachment in objects.VolumeAttachmentList.get_all_by_volume_id(
            context.elevated(), volume_id):
        home = connector_mod.home_of(attachment.connector)
        if home:
            return home
    return None


def homes_of_volume(context, volume_id, ever=False):
    """The home clouds (None: this cloud) of the volume's attachments.

    :param ever: include the attachments deleted since.
    """
    context = context.elevated(read_deleted='yes' if ever else 'no')
    return [connector_mod.home_of(attachment.connector)
            for attachment in objects.VolumeAttachmentList.get_all(
                context, search_opts={'volume_id': volume_id})]


def volume_of_snapshot(context, snapshot_id):
    return objects.Snapshot.get_by_id(context.elevated(),
                                      snapshot_id).volume_id


def foreign_attachments(context):
    """Attachments held by servers of other clouds.

    As (attachment, home cloud id) pairs.
    """
    return [(attachment, connector_mod.home_of(attachment.connector))
            for attachment in objects.VolumeAttachmentList.get_all(context)
            if connector_mod.home_of(attachment.connector)]


def report_failure(context, what, volume_id):
    """The user message Cinder leaves when Nova missed an event."""
    message_api.API().create(context, _ACTIONS[what],
                             resource_uuid=volume_id, detail=_DETAILS[what])


def conflict(home, server_id, volume_id, reason):
    return ForeignAttachmentConflict(home=home, server_id=server_id,
                                     volume_id=volume_id, reason=reason)


def no_local_compute(server_id):
    """Nobody here can say the server no longer uses the attachment."""
    return exception.ConflictNovaUsingAttachment(instance_id=server_id)
