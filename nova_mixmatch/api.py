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

from oslo_log import log as logging
from oslo_policy import policy as oslo_policy
from webob import exc

from nova_mixmatch import clients
from nova_mixmatch import conf
from nova_mixmatch import db
from nova_mixmatch import exception
from nova_mixmatch import policies
from nova_mixmatch import route as route_mod
from nova_mixmatch import routes
from nova_mixmatch import volume

CONF = conf.CONF
LOG = logging.getLogger(__name__)

# Keystone's own limits for service provider and project ids.
_ID = {'type': 'string', 'minLength': 1, 'maxLength': 64,
       'pattern': '^[a-zA-Z0-9_-]+$'}
PROPERTIES = {'service_provider': _ID, 'remote_project': _ID}


def extend_create_schemas(*schemas):
    """Extension of the volume attach request schemas."""
    for schema in schemas:
        attachment = schema['properties']['volumeAttachment']
        attachment['properties'].update(PROPERTIES)
        # Nova validates with JSON Schema 2020-12 (dependentRequired).
        attachment['dependentRequired'] = {
            'remote_project': ['service_provider']}


def attach_volume(proceed, context, instance, body):
    """Extension around ``compute_api.attach_volume``."""
    service_provider = body.get('service_provider')
    if service_provider is None:
        return proceed()
    volume_id = body['volumeId']
    try:
        route = _authorize(context, instance, service_provider,
                           body.get('remote_project'))
    except oslo_policy.PolicyNotAuthorized as e:
        raise exc.HTTPForbidden(explanation=str(e))
    except exception.MixmatchError as e:
        raise exc.HTTPBadRequest(explanation=str(e))

    routes.hint(context, volume_id, route)
    previous = instance.system_metadata.get(route_mod.sysmeta_key(volume_id))
    _record_route(context, instance, volume_id, route.to_sysmeta())
    LOG.info('Attaching volume %(volume)s of service provider %(sp)s, '
             'project %(project)s', {'volume': volume_id,
                                     'sp': route.service_provider,
                                     'project': route.project_id},
             instance=instance)
    try:
        return _answering_foreign_failures(proceed)
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
    key = route_mod.sysmeta_key(volume_id)
    if value is None:
        db.delete_route(context, instance.uuid, volume_id)
        instance.system_metadata.pop(key, None)
    else:
        db.save_route(context, instance.uuid, volume_id, value)
        instance.system_metadata[key] = value
    instance.obj_reset_changes(['system_metadata'])


def detach_volume(proceed):
    """Extension around the volume detach request."""
    return _answering_foreign_failures(proceed)


def _answering_foreign_failures(proceed):
    """A foreign cloud down or refusing is a 400 with the reason.

    Nova's API would answer 500 to an exception it does not expect.
    """
    try:
        return proceed()
    except clients.ForeignCallFailed as e:
        raise exc.HTTPBadRequest(explanation=e.format_message())


def _authorize(context, instance, service_provider, remote_project):
    if not CONF.mixmatch.enabled:
        raise exception.NotEnabled()
    policies.authorize(context, policies.ATTACH_FOREIGN,
                       {'project_id': instance.project_id})
    allowed = CONF.mixmatch.service_providers
    if allowed and service_provider not in allowed:
        raise exception.ServiceProviderNotAllowed(
            service_provider=service_provider, allowed=', '.join(allowed))
    return volume.foreign_clients().resolve(
        context, service_provider, remote_project)
