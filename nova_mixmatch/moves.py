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

"""Server moves (migrate, live migrate, resize, evacuate, shelve offload)
of foreign volumes.

A move re-attaches every volume on the destination host (an offload: on
no host), with the token of whoever asked for the move. At a service
provider that token reaches only the projects the SP's mapping gives it:
an admin of another home project cannot touch the owner's foreign
volumes, and the move would fail half-way on the compute host. So every
foreign volume of the server is checked, through K2K, before Nova
starts: a caller whose token cannot reach one gets a 409 and nothing
changes. Scoping the token to the server's project is the way to move
it.
"""

import typing

from nova import context as nova_context
from nova import objects
from nova.objects import instance as instance_obj
from webob import exc

from mixmatch_federation import route
from nova_mixmatch import conf
from nova_mixmatch import faults
from nova_mixmatch import foreign
from nova_mixmatch import sysmeta

__all__ = ['foreign_volumes', 'move_server']

CONF = conf.CONF
UNREACHABLE = ('Server %(server)s has volume %(volume)s of service provider '
               '%(sp)s, which your token cannot reach (%(reason)s) Move it '
               'with a token scoped to the server\'s project.')


def foreign_volumes(context: nova_context.RequestContext,
                    instance: instance_obj.Instance) -> dict[str, route.Route]:
    """{volume id: route} of the volumes attached to instance elsewhere."""
    bdms = objects.BlockDeviceMappingList.get_by_instance_uuid(
        context, instance.uuid)
    return sysmeta.routes(instance.system_metadata,
                          [bdm.volume_id for bdm in bdms if bdm.volume_id])


def move_server(proceed: typing.Callable[[], typing.Any],
                context: nova_context.RequestContext,
                instance: instance_obj.Instance) -> typing.Any:
    """Extension around the compute API call of a server move.

    :param proceed: Nova's move (and the other extensions).
    :param context: the request's context, the caller's token.
    :param instance: the server to move.
    :returns: what ``proceed()`` returns.
    :raises: webob.exc.HTTPConflict, before anything changes, when the
        caller's token cannot reach one of the server's foreign volumes.
    """
    if not CONF.mixmatch.enabled:
        return proceed()
    identities = foreign.clients().identities
    for volume_id, where in sorted(foreign_volumes(context,
                                                   instance).items()):
        with faults.answered(exc.HTTPConflict, UNREACHABLE,
                             server=instance.uuid, volume=volume_id,
                             sp=where.service_provider):
            identities.resolve(context, where.service_provider,
                               where.project_id)
    return proceed()
