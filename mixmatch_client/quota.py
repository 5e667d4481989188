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

"""``openstack mixmatch quota show``: volume quota and usage everywhere.

The original Mix and Match design exposes the user's project at every
provider for quota polling; this is the polling, over K2K.
"""

from osc_lib.command import command

from mixmatch_client import clouds
from mixmatch_client import volume

RESOURCES = ('volumes', 'gigabytes', 'snapshots')
COLUMNS = ('Provider', 'Project') + tuple(
    label for resource in RESOURCES
    for label in (resource.title(), resource.title() + ' Limit')) + (
    'Status',)
TOTAL = 'total'
UNLIMITED = -1


def usage(scope):
    """{resource: (in use, limit)} of the scope's project."""
    quota = scope.block_storage().get(
        '/os-quota-sets/%s' % scope.project_id,
        params={'usage': 'True'}).json()['quota_set']
    return {resource: (quota[resource]['in_use'], quota[resource]['limit'])
            for resource in RESOURCES}


def _total(limits):
    return UNLIMITED if UNLIMITED in limits else sum(limits)


def rows(outcomes):
    """A row of :data:`COLUMNS` per project, then the total.

    A cloud that did not answer is a row too, and left out of the total.
    """
    rows, answered = [], []
    for outcome in outcomes:
        project = outcome.scope.project_name if outcome.scope else ''
        if outcome.error:
            rows.append((outcome.provider, project) +
                        (None,) * 2 * len(RESOURCES) +
                        (volume.unavailable(outcome),))
            continue
        answered.append(outcome.value)
        rows.append((outcome.provider, project) + tuple(
            n for resource in RESOURCES
            for n in outcome.value[resource]) + ('available',))
    missing = len(outcomes) - len(answered)
    rows.append((TOTAL, '') + tuple(
        f([u[resource][i] for u in answered])
        for resource in RESOURCES
        for i, f in ((0, sum), (1, _total))) + (
        'partial: %d unavailable' % missing if missing else 'available',))
    return rows


class ShowQuota(command.Lister):
    """Show your volume quota and usage in every cloud.

    For your project in the home cloud and each project you have at each
    service provider of the home Keystone (by Keystone-to-Keystone, in
    parallel): volumes, gigabytes and snapshots in use and their limits
    (-1: unlimited), then the total over the clouds that answered. A
    cloud that does not answer is shown as unavailable, with the reason.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        clouds.add_service_provider_option(
            parser, 'Show only this service provider, not the home cloud '
            '(repeat option to show several service providers)')
        return parser

    def take_action(self, parsed_args):
        return COLUMNS, rows(self.app.client_manager.mixmatch.query(
            usage, parsed_args.service_providers))
