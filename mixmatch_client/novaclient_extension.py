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

"""``nova volume-attach --service-provider``: a python-novaclient extension.

python-novaclient loads it from the ``novaclient.extension`` entry point
and runs its hooks: before parsing, the options are added to the existing
``volume-attach`` command; after parsing, the values given are added to
the body of the attach request. Nothing else changes. It imports no Nova.
"""

import functools

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


def __pre_parse_args__():
    for dest, (flag, metavar, help_text) in OPTIONS.items():
        utils.add_arg(shell.do_volume_attach, flag, metavar=metavar,
                      dest=dest, default=None, help=help_text)


def __post_parse_args__(args):
    fields = {dest: getattr(args, dest) for dest in OPTIONS
              if getattr(args, dest, None) is not None}
    if fields:
        base.Manager.add_hook('modify_body_for_create',
                              functools.partial(add_fields, fields))


def add_fields(fields, body, **kwargs):
    """Hook of every create request: only volume attachments get them."""
    if 'volumeAttachment' in body:
        body['volumeAttachment'].update(fields)
