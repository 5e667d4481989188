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

"""The server create and volume commands, for images and volumes of K2K
service providers too.

They replace python-openstackclient's own ``server create``, ``server add
volume``, ``server remove volume`` and ``server volume list`` (same
arguments, same output) and run them unchanged for home images and
volumes:

* ``server create --image-service-provider <sp> [--image-remote-project
  <id>]`` finds the ``--image`` (name or ID) at the service provider, by
  K2K, and ``--volume-service-provider <sp> [--volume-remote-project
  <id>]`` the volumes of ``--volume`` and of the ``--block-device``
  options of source type volume; the create request names their clouds
  (``image_service_provider``, and ``service_provider`` in each mapping
  of such a volume);

* ``server add volume --service-provider <sp> [--remote-project <id>]``
  finds the volume at the service provider, by K2K, instead of in the home
  Cinder, and sends the attach request with ``service_provider`` and
  ``remote_project``;
* ``server remove volume`` also removes a volume the home Cinder does not
  know, named by its ID among the server's attachments, or by name or ID
  with ``--service-provider``;
* ``server volume list`` adds a Provider column: where each volume was
  found among the clouds the user can see (Nova keeps the route to itself).
"""

import contextlib

from keystoneauth1 import exceptions as ksa_exceptions
from openstack.compute.v2 import server as sdk_server
from openstack.compute.v2 import volume_attachment
from openstack import exceptions as sdk_exceptions
from openstack import resource
from openstack import utils as sdk_utils
from openstackclient.compute.v2 import server
from openstackclient.compute.v2 import server_volume
from osc_lib import exceptions
from osc_lib import utils

from mixmatch_client import clouds
from mixmatch_client import volume as volume_cmd
from mixmatch_federation import exception


class ForeignVolumeAttachment(volume_attachment.VolumeAttachment):
    """A volume attachment request naming the cloud of the volume."""

    service_provider = resource.Body('service_provider')
    remote_project = resource.Body('remote_project')


def add_provider_arguments(parser, volume_help):
    parser.add_argument(
        '--service-provider',
        metavar='<service-provider>',
        help=volume_help + (' (the id of a K2K service provider of the '
                            'home Keystone, as in "openstack service '
                            'provider list")'))
    parser.add_argument(
        '--remote-project',
        metavar='<project-id>',
        help='Your project at the service provider that owns the volume '
             '(default: your only project there; requires '
             '--service-provider)')


def federate(app, parsed_args, prefix=''):
    """The scope of ``--service-provider`` and ``--remote-project``.

    :param prefix: of both options' names, as ``image-``.
    """
    dest = prefix.replace('-', '_')
    service_provider = getattr(parsed_args, dest + 'service_provider')
    remote_project = getattr(parsed_args, dest + 'remote_project')
    if service_provider is None:
        if remote_project is not None:
            raise exceptions.CommandError(
                '--%sremote-project requires --%sservice-provider'
                % (prefix, prefix))
        return None
    try:
        return app.client_manager.mixmatch.federate(service_provider,
                                                    remote_project)
    except exception.MixmatchError as exc:
        raise exceptions.CommandError(str(exc))
    except ksa_exceptions.ClientException as exc:
        raise exceptions.CommandError(
            'Service provider %s: %s' % (service_provider,
                                         clouds.reason(exc)))


def _find(scope, kind, get, path, name_or_id):
    """One ``kind`` of ``scope``'s project, by ID or else by unique name.

    :param get: the adapter's ``get``.
    :param path: of the collection, as ``/volumes``.
    """
    plural = kind + 's'
    try:
        try:
            found = get('%s/%s' % (path, name_or_id)).json()
            return found.get(kind, found)
        except (ksa_exceptions.NotFound, ksa_exceptions.BadRequest):
            found = get(path + ('/detail' if kind == 'volume' else ''),
                        params={'name': name_or_id}).json()[plural]
    except clouds.FAILURES as exc:
        raise exceptions.CommandError(
            'Service provider %s: %s' % (scope.provider, clouds.reason(exc)))
    if len(found) == 1:
        return found[0]
    raise exceptions.CommandError(
        '%s %s named or with ID %r in project %s at service provider '
        '%s' % ('More than one' if found else 'No', kind, name_or_id,
                scope.project_name, scope.provider))


def find_volume(scope, name_or_id):
    """A volume of ``scope``'s project, by ID or else by unique name."""
    return _find(scope, 'volume', scope.block_storage().get, '/volumes',
                 name_or_id)


def find_image(scope, name_or_id):
    """An image ``scope``'s project sees, by ID or else by unique name."""
    return _find(scope, 'image', scope.image().get, '/v2/images',
                 name_or_id)


class ForeignServer(sdk_server.Server):
    """A server create request naming the cloud of its image."""

    image_service_provider = resource.Body('image_service_provider')
    image_remote_project = resource.Body('image_remote_project')


@contextlib.contextmanager
def _replaced(client, name, function):
    """``client.name`` is ``function`` for the block (not its class's)."""
    setattr(client, name, function)
    try:
        yield
    finally:
        delattr(client, name)


def _found_at(stack, client, method, find, scope):
    """``client.method`` looks up at scope's provider, for stack's block."""
    stack.enter_context(_replaced(
        client, method,
        lambda name_or_id, **kw: _Found(find(scope, name_or_id))))


class CreateServer(server.CreateServer):
    _description = server.CreateServer._description + (
        '\n\nWith ``--image-service-provider``, the image lives in that K2K '
        'service provider of the home Keystone; with '
        '``--volume-service-provider``, the volumes of ``--volume`` and of '
        'the ``--block-device`` options of source type volume (mixmatch).')

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        for prefix, what in (('image', 'the --image (name or ID there)'),
                             ('volume', 'the volumes of --volume and of the '
                                        '--block-device options with '
                                        'source_type=volume')):
            parser.add_argument(
                '--%s-service-provider' % prefix,
                metavar='<service-provider>',
                help='Service provider that holds %s (the id of a K2K '
                     'service provider of the home Keystone, as in '
                     '"openstack service provider list")' % what)
            parser.add_argument(
                '--%s-remote-project' % prefix,
                metavar='<project-id>',
                help='Your project at that service provider (default: your '
                     'only project there; requires --%s-service-provider)'
                     % prefix)
        return parser

    def take_action(self, parsed_args):
        image_scope = federate(self.app, parsed_args, 'image-')
        volume_scope = federate(self.app, parsed_args, 'volume-')
        if image_scope is None and volume_scope is None:
            return super().take_action(parsed_args)
        # python-openstackclient's own command looks the image and the
        # volumes up in the home cloud and sends a Server it builds: these
        # calls, and only they, are the provider's here.
        manager = self.app.client_manager
        compute = manager.compute
        server_fields = {}
        with contextlib.ExitStack() as stack:
            if image_scope is not None:
                _found_at(stack, manager.image, 'find_image', find_image,
                          image_scope)
                server_fields.update(
                    image_service_provider=image_scope.provider,
                    image_remote_project=image_scope.project_id)
            mapping_fields = {}
            if volume_scope is not None:
                if not manager.is_volume_endpoint_enabled():
                    raise exceptions.CommandError(
                        'Volume service is not available in the current '
                        'cloud')
                _found_at(stack, manager.volume, 'find_volume', find_volume,
                          volume_scope)
                mapping_fields.update(
                    service_provider=volume_scope.provider,
                    remote_project=volume_scope.project_id)

            def create_server(**attrs):
                for mapping in attrs.get('block_device_mapping') or ():
                    if mapping.get('source_type') == 'volume':
                        mapping.update(mapping_fields)
                return compute._create(ForeignServer, **attrs,
                                       **server_fields)

            stack.enter_context(_replaced(compute, 'create_server',
                                          create_server))
            return super().take_action(parsed_args)


class _Found:
    """What python-openstackclient reads of a found image or volume."""

    def __init__(self, found):
        self.id = found['id']
        self.name = found.get('name')


class AddServerVolume(server.AddServerVolume):
    _description = server.AddServerVolume._description + (
        '\n\nWith ``--service-provider``, the volume lives in that K2K '
        'service provider of the home Keystone (mixmatch).')

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_provider_arguments(parser, 'Service provider the volume lives in')
        return parser

    def take_action(self, parsed_args):
        scope = federate(self.app, parsed_args)
        if scope is None:
            return super().take_action(parsed_args)
        compute = self.app.client_manager.compute
        instance = compute.find_server(parsed_args.server,
                                       ignore_missing=False)
        volume = find_volume(scope, parsed_args.volume)
        attrs = dict(server_id=instance.id, volume_id=volume['id'],
                     device=parsed_args.device,
                     service_provider=scope.provider,
                     remote_project=scope.project_id)
        for option, attr, value, version in (
                ('--tag', 'tag', parsed_args.tag, '2.49'),
                ('--enable-delete-on-termination', 'delete_on_termination',
                 True if parsed_args.enable_delete_on_termination else None,
                 '2.79'),
                ('--disable-delete-on-termination', 'delete_on_termination',
                 False if parsed_args.disable_delete_on_termination
                 else None, '2.79')):
            if value is None:
                continue
            if not sdk_utils.supports_microversion(compute, version):
                raise exceptions.CommandError(
                    '--os-compute-api-version %s or greater is required to '
                    'support the %s option' % (version, option))
            attrs[attr] = value
        attachment = ForeignVolumeAttachment.new(**attrs).create(compute)
        columns = ('id', 'server id', 'volume id', 'device')
        headers = ('ID', 'Server ID', 'Volume ID', 'Device')
        for version, column, header in (
                ('2.49', 'tag', 'Tag'),
                ('2.79', 'delete_on_termination', 'Delete On Termination')):
            if sdk_utils.supports_microversion(compute, version):
                columns += (column,)
                headers += (header,)
        return (headers + ('Service Provider', 'Remote Project'),
                utils.get_item_properties(attachment, columns) +
                (scope.provider, scope.project_id))


class RemoveServerVolume(server.RemoveServerVolume):
    _description = server.RemoveServerVolume._description + (
        '\n\nA volume of a K2K service provider (mixmatch) is named by its '
        'ID, or by name or ID with ``--service-provider``.')

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_provider_arguments(
            parser, 'Service provider the volume lives in, to find it there '
                    'by name or ID')
        return parser

    def take_action(self, parsed_args):
        scope = federate(self.app, parsed_args)
        compute = self.app.client_manager.compute
        if scope is not None:
            instance = compute.find_server(parsed_args.server,
                                           ignore_missing=False)
            volume_id = find_volume(scope, parsed_args.volume)['id']
        else:
            try:
                return super().take_action(parsed_args)
            except sdk_exceptions.NotFoundException as exc:
                # Not a home volume (or no such server): a foreign volume
                # is known here only as the ID of an attachment.
                instance = compute.find_server(parsed_args.server,
                                               ignore_missing=False)
                if parsed_args.volume not in {
                        a.volume_id
                        for a in compute.volume_attachments(instance)}:
                    raise exceptions.CommandError(
                        '%s; the volume of a service provider is named by '
                        'its ID, or found with --service-provider' % exc)
                volume_id = parsed_args.volume
        compute.delete_volume_attachment(instance, volume_id,
                                         ignore_missing=False)


class ListServerVolume(server_volume.ListServerVolume):
    __doc__ = server_volume.ListServerVolume.__doc__.rstrip() + (
        '\n\nThe Provider column names the cloud each volume lives in, '
        '"(home)" or a K2K service provider, as far as you can see it.')

    def take_action(self, parsed_args):
        headers, rows = super().take_action(parsed_args)
        rows = list(rows)
        index = headers.index('Volume ID')
        where = volume_cmd.providers(self.app.client_manager.mixmatch,
                                     {row[index] for row in rows})
        return (headers + ('Provider',),
                [row + (where.get(row[index], volume_cmd.UNKNOWN),)
                 for row in rows])
