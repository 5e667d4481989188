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

"""The volume attach and detach and server create APIs: which cloud
the volumes and the image live in.

Wire form (any microversion), in the body of
``POST /servers/{server_id}/os-volume_attachments``::

    {"volumeAttachment": {"volumeId": "...",
                          "service_provider": "<K2K service provider id>",
                          "remote_project": "<project id there, optional>"}}

and of ``POST /servers``::

    {"server": {"imageRef": "<image id at the provider>",
                "image_service_provider": "<K2K service provider id>",
                "image_remote_project": "<project id there, optional>",
                "block_device_mapping_v2": [
                    {"source_type": "volume", "uuid": "<volume id there>",
                     "service_provider": "...", "remote_project": "..."}],
                ...}}

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
from nova_mixmatch import image
from nova_mixmatch import policies
from nova_mixmatch import router
from nova_mixmatch import sysmeta
from nova_mixmatch import volume

__all__ = ['PROPERTIES', 'SERVER_PROPERTIES', 'RESCUE_PROPERTIES',
           'extend_create_schemas', 'attach_volume', 'detach_volume',
           'extend_create_server_schemas', 'create_server',
           'instance_for_create', 'extend_rebuild_schemas', 'rebuild_server',
           'extend_rescue_schemas', 'rescue_server']

CONF = conf.CONF
LOG = logging.getLogger(__name__)

# Keystone's own limits for service provider and project ids.
_ID = {'type': 'string', 'minLength': 1, 'maxLength': 64,
       'pattern': '^[a-zA-Z0-9_-]+$'}
PROPERTIES = {'service_provider': _ID, 'remote_project': _ID}
SERVER_PROPERTIES = {'image_service_provider': _ID,
                     'image_remote_project': _ID}
RESCUE_PROPERTIES = {'rescue_image_service_provider': _ID,
                     'rescue_image_remote_project': _ID}


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
        route = _authorize(context, policies.ATTACH_FOREIGN,
                           instance.project_id, service_provider,
                           body.get('remote_project'))

    router.hint(context, volume_id, route)
    key = sysmeta.key(volume_id)
    previous = instance.system_metadata.get(key)
    _record_route(context, instance, key, route.to_json())
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
        _record_route(context, instance, key, previous)
        raise


def _record_route(context, instance, key, value):
    """Save (or, with None, delete) one route, in the database first.

    The instance shows it too, as saved: Nova's next ``instance.save()``
    must not write system_metadata as a whole (see ``db.save_route``).

    :param key: its system_metadata key (:mod:`nova_mixmatch.sysmeta`).
    """
    if value is None:
        db.delete_route(context, instance.uuid, key)
        instance.system_metadata.pop(key, None)
    else:
        db.save_route(context, instance.uuid, key, value)
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


def _authorize(context: nova_context.RequestContext, rule: str,
               project_id: str, service_provider: str,
               remote_project: str | None) -> route_mod.Route:
    if not CONF.mixmatch.enabled:
        raise exception.NotEnabled()
    policies.authorize(context, rule, {'project_id': project_id})
    allowed = CONF.mixmatch.service_providers
    if allowed and service_provider not in allowed:
        raise exception.ServiceProviderNotAllowed(
            service_provider=service_provider, allowed=', '.join(allowed))
    return foreign.clients().identities.resolve(
        context, service_provider, remote_project)


def extend_create_server_schemas(*schemas: dict) -> None:
    """Extension of the server create request schemas.

    :param schemas: Nova's JSON schemas of the server create request body,
        one per microversion range; changed in place.
    """
    for schema in schemas:
        server = schema['properties']['server']
        server['properties'].update(SERVER_PROPERTIES)
        server.setdefault('dependentRequired', {})[
            'image_remote_project'] = ['image_service_provider']
        mapping = server['properties']['block_device_mapping_v2']['items']
        mapping['properties'].update(PROPERTIES)
        mapping['dependentRequired'] = {
            'remote_project': ['service_provider']}


def create_server(proceed: typing.Callable[[], typing.Any],
                  context: nova_context.RequestContext,
                  body: dict) -> typing.Any:
    """Extension around the server create request.

    Takes mixmatch's fields out of the request, so that Nova sees a request
    it knows; checks the policy, each service provider and remote project,
    and that the user sees the image and each volume there; then lets Nova
    create the server with the routes hinted on the request's context (see
    :func:`instance_for_create`).

    :param proceed: Nova's create (and the other extensions).
    :param context: the request's context.
    :param body: the request body, validated; changed in place.
    :returns: what ``proceed()`` returns.
    :raises: webob.exc.HTTPForbidden when the policy refuses;
        webob.exc.HTTPBadRequest with the reason for the rest, before
        Nova creates anything.
    """
    server = body['server']
    image_sp = server.pop('image_service_provider', None)
    image_project = server.pop('image_remote_project', None)
    volumes = []
    for index, mapping in enumerate(
            server.get('block_device_mapping_v2') or ()):
        service_provider = mapping.pop('service_provider', None)
        remote_project = mapping.pop('remote_project', None)
        if service_provider is not None:
            volumes.append((index, mapping, service_provider,
                            remote_project))
    if image_sp is None and server.get('imageRef') and CONF.mixmatch.enabled:
        # The request names no provider: the image is the home Glance's,
        # even an id that servers were built from at a provider.
        router.hint_image(context, server['imageRef'], None)
    if image_sp is None and not volumes:
        return proceed()

    with faults.answered():
        if image_sp is not None:
            image_id = server.get('imageRef')
            if not image_id:
                raise exception.ForeignImageWithoutRef()
            where = _authorize(context, policies.CREATE_FOREIGN,
                               context.project_id, image_sp, image_project)
            _check_visible(context, where, 'image', image_id)
            router.hint_image(context, image_id, where)
            LOG.info('Creating a server from image %(image)s of service '
                     'provider %(sp)s, project %(project)s',
                     {'image': image_id, 'sp': where.service_provider,
                      'project': where.project_id})
        for index, mapping, service_provider, remote_project in volumes:
            volume_id = mapping.get('uuid')
            if mapping.get('source_type') != 'volume' or not volume_id:
                raise exception.ForeignBlockDeviceNotVolume(
                    index=index, source_type=mapping.get('source_type'))
            where = _authorize(context, policies.CREATE_FOREIGN,
                               context.project_id, service_provider,
                               remote_project)
            _check_visible(context, where, 'volume', volume_id)
            router.hint(context, volume_id, where)
            LOG.info('Creating a server with volume %(volume)s of service '
                     'provider %(sp)s, project %(project)s',
                     {'volume': volume_id, 'sp': where.service_provider,
                      'project': where.project_id})
        return proceed()


def _check_visible(context, where, kind, resource_id):
    """Raise ForeignResourceNotFound unless the user sees the resource."""
    try:
        if kind == 'image':
            image.show(context, where, resource_id)
        else:
            foreign.clients().call(
                context, where, volume.BLOCK_STORAGE,
                lambda client: client.volumes.get(resource_id))
    except (image.NOT_FOUND + volume.NOT_FOUND):
        raise exception.ForeignResourceNotFound(
            kind=kind, resource_id=resource_id,
            service_provider=where.service_provider,
            project_id=where.project_id)


def instance_for_create(context: nova_context.RequestContext,
                        instance: instance_obj.Instance) -> None:
    """Extension of each new instance of a server create request.

    Records, in its system_metadata, the routes that
    :func:`create_server` hinted: those of the foreign volumes
    (``mixmatch_<volume id>``, as an attach does) and of a foreign image
    it is built from (``mixmatch-image_<image id>``). They are stored with
    the instance, so that every later call about them (the compute host's
    attach and download, reboot, delete...) finds its cloud in the
    database, after any restart.

    :param context: the request's context.
    :param instance: the new instance, not yet stored; changed in place.
    """
    if not CONF.mixmatch.enabled:
        return
    volumes, images = router.hints(context)
    for volume_id, where in volumes.items():
        instance.system_metadata[sysmeta.key(volume_id)] = where.to_json()
    where = images.get(instance.image_ref)
    if where:
        instance.system_metadata[sysmeta.image_key(instance.image_ref)] = (
            where.to_json())


def extend_rebuild_schemas(*schemas: dict) -> None:
    """Extension of the server rebuild request schemas.

    :param schemas: Nova's JSON schemas of the rebuild action's body, one
        per microversion range; changed in place.
    """
    for schema in schemas:
        rebuild = schema['properties']['rebuild']
        rebuild['properties'].update(SERVER_PROPERTIES)
        rebuild.setdefault('dependentRequired', {})[
            'image_remote_project'] = ['image_service_provider']


def extend_rescue_schemas(*schemas: dict) -> None:
    """Extension of the server rescue request schemas.

    :param schemas: Nova's JSON schemas of the rescue action's body;
        changed in place.
    """
    for schema in schemas:
        rescue = schema['properties']['rescue']
        rescue['properties'].update(RESCUE_PROPERTIES)
        rescue.setdefault('dependentRequired', {}).update(
            rescue_image_service_provider=['rescue_image_ref'],
            rescue_image_remote_project=['rescue_image_service_provider'])


def rebuild_server(proceed: typing.Callable[[], typing.Any],
                   context: nova_context.RequestContext,
                   instance: instance_obj.Instance,
                   body: dict) -> typing.Any:
    """Extension around the server rebuild request.

    With ``image_service_provider``, the new ``imageRef`` is that
    provider's: checked and recorded as for a server create (see
    :func:`_with_foreign_image`).

    :param body: the request's ``rebuild``, validated.
    """
    return _with_foreign_image(proceed, context, instance,
                               body.get('imageRef'), body, 'image_')


def rescue_server(proceed: typing.Callable[[], typing.Any],
                  context: nova_context.RequestContext,
                  instance: instance_obj.Instance,
                  body: dict) -> typing.Any:
    """Extension around the server rescue request.

    With ``rescue_image_service_provider``, the ``rescue_image_ref`` is
    that provider's (see :func:`_with_foreign_image`).

    :param body: the request's ``rescue``, validated ({} for none).
    """
    return _with_foreign_image(proceed, context, instance,
                               body.get('rescue_image_ref'), body,
                               'rescue_image_')


def _with_foreign_image(proceed, context, instance, image_id, body, prefix):
    """Run an action of the server with the image of a provider.

    Checks the policy rule of server create, the provider and the remote
    project, and that the user sees the image there; records the image's
    route in the server's system_metadata, where the compute host finds it
    (nova-api's own checks read the image at the provider too). A refused
    or failed action leaves the record as it was.

    :param prefix: of the body's fields, ``<prefix>service_provider`` and
        ``<prefix>remote_project``.
    :raises: webob.exc.HTTPForbidden when the policy refuses;
        webob.exc.HTTPBadRequest with the reason for the rest, before
        Nova changes anything.
    """
    service_provider = body.get(prefix + 'service_provider')
    if service_provider is None:
        return proceed()
    with faults.answered():
        where = _authorize(context, policies.CREATE_FOREIGN,
                           instance.project_id, service_provider,
                           body.get(prefix + 'remote_project'))
        _check_visible(context, where, 'image', image_id)
    router.hint_image(context, image_id, where)
    key = sysmeta.image_key(image_id)
    previous = instance.system_metadata.get(key)
    _record_route(context, instance, key, where.to_json())
    LOG.info('Using image %(image)s of service provider %(sp)s, project '
             '%(project)s', {'image': image_id, 'sp': where.service_provider,
                             'project': where.project_id}, instance=instance)
    try:
        return proceed()
    except Exception:
        _record_route(context, instance, key, previous)
        raise
