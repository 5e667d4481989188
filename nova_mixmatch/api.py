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

"""The volume attach and detach API: which cloud the volume lives in.

Wire form (any microversion), in the body of
``POST /servers/{server_id}/os-volume_attachments``::

    {"volumeAttachment": {"volumeId": "...",
                          "service_provider": "<K2K service provider id>",
                          "remote_project": "<project id there, optional>"}}

Everything is checked, and the remote project chosen, before Nova changes
anything; a failure is a 400 with the reason. So is a foreign cloud that is
down or refuses during an attach or a detach.
"""

import typing

from nova import context as nova_context
from nova.objects import instance as instance_obj
from oslo_log import log as logging

from mixmatch_federation import route as route_mod
from nova_mixmatch import conf
from nova_mixmatch import db
from nova_mixmatch import exception
from nova_mixmatch import faults
from nova_mixmatch import foreign
from nova_mixmatch import policies
from nova_mixmatch import router
from nova_mixmatch import sysmeta

__all__ = ['PROPERTIES', 'extend_create_schemas', 'attach_volume',
           'detach_volume']

CONF = conf.CONF
LOG = logging.getLogger(__name__)

# Keystone's own limits for service provider and project ids.
_ID = {'type': 'string', 'minLength': 1, 'maxLength': 64,
       'pattern': '^[a-zA-Z0-9_-]+$'}
PROPERTIES = {'service_provider': _ID, 'remote_project': _ID}


def extend_create_schemas(*schemas: dict) -> None:
    """Extension of the volume attach request schemas.

    :param schemas: Nova's JSON schemas of the attach request body, one
        per microversion range; changed in place.
    """
    for schema in schemas:
        attachment = schema['properties']['volumeAttachment']
        attachment['properties'].update(PROPERTIES)
        # Nova validates with JSON Schema 2020-12 (dependentRequired).
        attachment['dependentRequired'] = {
            'remote_project': ['service_provider']}


def attach_volume(proceed: typing.Callable[[], typing.Any],
                  context: nova_context.RequestContext,
                  instance: instance_obj.Instance, body: dict) -> typing.Any:
    """Extension around ``compute_api.attach_volume``.

    :param proceed: Nova's attach (and the other extensions).
    :param context: the request's context.
    :param instance: the server.
    :param body: the request's ``volumeAttachment``, validated.
    :returns: what ``proceed()`` returns.
    :raises: webob.exc.HTTPForbidden when the policy refuses a foreign
        volume; webob.exc.HTTPBadRequest with the reason when the service
        provider or remote project is refused or unavailable, or when the
        foreign cloud fails during the attach. Nothing changes then.
    """
    service_provider = body.get('service_provider')
    if service_provider is None:
        return proceed()
    volume_id = body['volumeId']
    with faults.answered():
        route = _authorize(context, instance, service_provider,
                           body.get('remote_project'))

    router.hint(context, volume_id, route)
    previous = instance.system_metadata.get(sysmeta.key(volume_id))
    _record_route(context, instance, volume_id, route.to_json())
    LOG.info('Attaching volume %(volume)s of service provider %(sp)s, '
             'project %(project)s', {'volume': volume_id,
                                     'sp': route.service_provider,
                                     'project': route.project_id},
             instance=instance)
    try:
        with faults.answered():
            return proceed()
    except Exception:
        # Nothing was attached: leave the route as it was, which keeps it
        # for a volume this server already had attached.
        _record_route(context, instance, volume_id, previous)
        raise


def _record_route(context, instance, volume_id, value):
    """Save (or, with None, delete) one route, in the database first.

    The instance shows it too, as saved: Nova's next ``instance.save()``
    must not write system_metadata as a whole (see ``db.save_route``).
    """
    key = sysmeta.key(volume_id)
    if value is None:
        db.delete_route(context, instance.uuid, volume_id)
        instance.system_metadata.pop(key, None)
    else:
        db.save_route(context, instance.uuid, volume_id, value)
        instance.system_metadata[key] = value
    instance.obj_reset_changes(['system_metadata'])


def detach_volume(proceed: typing.Callable[[], typing.Any]) -> typing.Any:
    """Extension around the volume detach request.

    :param proceed: Nova's detach (and the other extensions).
    :returns: what ``proceed()`` returns.
    :raises: webob.exc.HTTPBadRequest with the reason when a foreign cloud
        is down or refuses (Nova would answer 500); the volume stays
        attached in both clouds.
    """
    with faults.answered():
        return proceed()


def _authorize(context: nova_context.RequestContext,
               instance: instance_obj.Instance, service_provider: str,
               remote_project: str | None) -> route_mod.Route:
    if not CONF.mixmatch.enabled:
        raise exception.NotEnabled()
    policies.authorize(context, policies.ATTACH_FOREIGN,
                       {'project_id': instance.project_id})
    allowed = CONF.mixmatch.service_providers
    if allowed and service_provider not in allowed:
        raise exception.ServiceProviderNotAllowed(
            service_provider=service_provider, allowed=', '.join(allowed))
    return foreign.clients().identities.resolve(
        context, service_provider, remote_project)
