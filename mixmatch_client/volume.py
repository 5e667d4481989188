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

"""``openstack mixmatch volume list``: the user's volumes in every cloud."""

import functools
import logging

from osc_lib.cli import format_columns
from osc_lib.command import command

from mixmatch_client import clouds

LOG = logging.getLogger(__name__)
#: The provider of a volume that no cloud that answered has.
UNKNOWN = 'unknown'

COLUMNS = ('ID', 'Name', 'Status', 'Size', 'Attached to', 'Provider',
           'Project')
LONG_COLUMNS = ('ID', 'Name', 'Status', 'Size', 'Type', 'Bootable',
                'Attached to', 'Properties', 'Provider', 'Project',
                'Project ID')


def list_volumes(scope, filters=None):
    """The volumes of a scope's project, as Cinder v3 details them."""
    return scope.block_storage().get(
        '/volumes/detail', params=filters or {}).json()['volumes']


def attached_to(volume):
    return '\n'.join('Attached to %s on %s' % (a['server_id'], a['device'])
                     for a in volume.get('attachments') or ())


def unavailable(outcome):
    return 'unavailable: %s' % outcome.error


def rows(outcomes, columns):
    """One row per volume; a cloud that did not answer is a row too."""
    for outcome in outcomes:
        scope = outcome.scope
        where = {'Provider': outcome.provider,
                 'Project': scope.project_name if scope else '',
                 'Project ID': scope.project_id if scope else ''}
        if outcome.error:
            yield tuple(where.get(c, unavailable(outcome) if c == 'Status'
                                  else '') for c in columns)
            continue
        for volume in outcome.value:
            fields = dict(
                where, ID=volume['id'], Name=volume['name'],
                Status=volume['status'], Size=volume['size'],
                Type=volume.get('volume_type'),
                Bootable=volume.get('bootable'),
                Properties=format_columns.DictColumn(
                    volume.get('metadata') or {}))
            fields['Attached to'] = attached_to(volume)
            yield tuple(fields[c] for c in columns)


def providers(mixmatch, volume_ids):
    """{volume id: provider} of the volumes found; home first.

    Nova keeps the route of a volume to itself: a volume is found where
    the user can see it, in the home Cinder first, then, only for the
    volumes not found there, at every service provider (in parallel). A
    provider that does not answer is logged.
    """
    where = {}
    for home in (True, False):
        missing = set(volume_ids) - set(where)
        if not missing:
            break
        for outcome in mixmatch.query(
                lambda scope: {v['id'] for v in list_volumes(scope)} &
                missing, service_providers=[] if home else None,
                home=home):
            if outcome.error:
                LOG.warning('%s: %s', outcome.provider, unavailable(outcome))
                continue
            where.update(dict.fromkeys(outcome.value, outcome.provider))
    return where


class ListVolume(command.Lister):
    """List your volumes in the home cloud and in every service provider.

    The service providers are those of the home Keystone that your token
    lists; each is queried in parallel, by Keystone-to-Keystone from your
    home identity, in each project you have there. A cloud that does not
    answer is listed as unavailable, with the reason. The home cloud's
    provider is "(home)".
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        clouds.add_service_provider_option(
            parser, 'List only the volumes of this service provider, not '
            'those of the home cloud (repeat option to list several '
            'service providers)')
        parser.add_argument(
            '--name',
            metavar='<name>',
            help='Filter results by volume name')
        parser.add_argument(
            '--status',
            metavar='<status>',
            help='Filter results by status')
        parser.add_argument(
            '--long',
            action='store_true',
            default=False,
            help='List additional fields in output')
        return parser

    def take_action(self, parsed_args):
        filters = {key: value for key, value in (
            ('name', parsed_args.name), ('status', parsed_args.status))
            if value}
        outcomes = self.app.client_manager.mixmatch.query(
            functools.partial(list_volumes, filters=filters),
            parsed_args.service_providers)
        columns = LONG_COLUMNS if parsed_args.long else COLUMNS
        return columns, rows(outcomes, columns)
