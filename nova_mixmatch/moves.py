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

"""Server moves (migrate, live migrate, resize, evacuate) of foreign volumes.

A move re-attaches every volume on the destination host, with the token of
whoever asked for the move. At a service provider that token reaches only
the projects the SP's mapping gives it: an admin of another home project
cannot touch the owner's foreign volumes, and the move would fail half-way
on the compute host. So every foreign volume of the server is checked,
through K2K, before Nova starts: a caller whose token cannot reach one
gets a 409 and nothing changes. Scoping the token to the server's project
is the way to move it.
"""

from nova import objects
from webob import exc

from nova_mixmatch import conf
from nova_mixmatch import exception
from nova_mixmatch import route as route_mod
from nova_mixmatch import volume

CONF = conf.CONF


def foreign_volumes(context, instance):
    """{volume id: route} of the volumes attached to instance elsewhere."""
    bdms = objects.BlockDeviceMappingList.get_by_instance_uuid(
        context, instance.uuid)
    found = {}
    for bdm in bdms:
        value = bdm.volume_id and instance.system_metadata.get(
            route_mod.sysmeta_key(bdm.volume_id))
        if value:
            found[bdm.volume_id] = route_mod.Route.from_sysmeta(value)
    return found


def move_server(proceed, context, instance):
    """Extension around the compute API call of a server move."""
    if not CONF.mixmatch.enabled:
        return proceed()
    clients = volume.foreign_clients()
    for volume_id, route in sorted(foreign_volumes(context,
                                                   instance).items()):
        try:
            clients.resolve(context, route.service_provider, route.project_id)
        except exception.MixmatchError as e:
            raise exc.HTTPConflict(explanation=(
                'Server %(server)s has volume %(volume)s of service provider '
                '%(sp)s, which your token cannot reach (%(reason)s) Move it '
                'with a token scoped to the server\'s project.') % {
                    'server': instance.uuid, 'volume': volume_id,
                    'sp': route.service_provider, 'reason': e})
    return proceed()
