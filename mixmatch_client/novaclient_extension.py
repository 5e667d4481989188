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

"""``nova volume-attach --service-provider`` and ``nova boot
--image-service-provider``: a python-novaclient extension.

python-novaclient loads it from the ``novaclient.extension`` entry point
and runs its hooks: before parsing, the options are added to the existing
``volume-attach`` and ``boot`` commands; after parsing, the values given
are added to the body of the attach or server create request. A foreign
image is given by its id, which the command does not look up in the home
Glance. Nothing else changes. It imports no Nova.
"""

import functools
import types

from novaclient import base
from novaclient import utils
from novaclient.v2 import shell

#: request body field -> command line option
OPTIONS = {
    'service_provider': (
        '--service-provider', '<service-provider>',
        'Id of the K2K service provider (another cloud) the volume lives '
        'in, as in "openstack service provider list".'),
    'remote_project': (
        '--remote-project', '<project-id>',
        'Project to use at the service provider (default: your only one '
        'there). Requires --service-provider.'),
}


#: ``nova boot``: request body field -> command line option
BOOT_OPTIONS = {
    'image_service_provider': (
        '--image-service-provider', '<service-provider>',
        'Id of the K2K service provider (another cloud) whose Glance holds '
        'the --image, given by its id there.'),
    'image_remote_project': (
        '--image-remote-project', '<project-id>',
        'Project to use at the image\'s service provider (default: your '
        'only one there). Requires --image-service-provider.'),
    'service_provider': (
        '--volume-service-provider', '<service-provider>',
        'Id of the K2K service provider whose Cinder holds the volumes of '
        'the --block-device options with source=volume.'),
    'remote_project': (
        '--volume-remote-project', '<project-id>',
        'Project to use at the volumes\' service provider (default: your '
        'only one there). Requires --volume-service-provider.'),
}


def __pre_parse_args__():
    for command, options in ((shell.do_volume_attach, OPTIONS),
                             (shell.do_boot, BOOT_OPTIONS)):
        for dest, (flag, metavar, help_text) in options.items():
            utils.add_arg(command, flag, metavar=metavar, dest=dest,
                          default=None, help=help_text)


def __post_parse_args__(args):
    options = BOOT_OPTIONS if args.func is shell.do_boot else OPTIONS
    fields = {dest: getattr(args, dest) for dest in options
              if getattr(args, dest, None) is not None}
    if not fields:
        return
    add = add_fields if options is OPTIONS else add_server_fields
    base.Manager.add_hook('modify_body_for_create',
                          functools.partial(add, fields))
    if 'image_service_provider' in fields:
        # The image is the provider's: the home Glance has never heard of
        # it. Its id goes into the request as given.
        shell._find_image = functools.partial(
            _foreign_image, fields['image_service_provider'])


def _foreign_image(service_provider, cs, image):
    return types.SimpleNamespace(
        id=image, name='image of service provider %s' % service_provider)


def add_fields(fields, body, **kwargs):
    """Hook of every create request: only volume attachments get them."""
    if 'volumeAttachment' in body:
        body['volumeAttachment'].update(fields)


def add_server_fields(fields, body, **kwargs):
    """Hook of every create request: only server creates get them.

    The image's fields go into the server; the volumes' into each block
    device mapping of an existing volume.
    """
    server = body.get('server')
    if server is None:
        return
    for field in ('image_service_provider', 'image_remote_project'):
        if field in fields:
            server[field] = fields[field]
    volume_fields = {f: fields[f] for f in ('service_provider',
                                            'remote_project') if f in fields}
    for mapping in server.get('block_device_mapping_v2') or ():
        if mapping.get('source_type') == 'volume':
            mapping.update(volume_fields)
