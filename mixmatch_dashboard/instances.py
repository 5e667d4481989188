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

"""The attach and detach of foreign volumes, as row actions of Project >
Compute > Instances.

Horizon offers no hook to add a row action to another panel's table: its
table metaclass keeps the action classes in ``_meta.row_actions`` and
their instances in ``base_actions``, so both get ours.
"""

from django.utils.translation import gettext_lazy as _
from horizon import tables
from openstack_dashboard.dashboards.project.instances import (
    tables as instance_tables)


class AttachForeignVolume(tables.LinkAction):
    name = 'mixmatch_attach'
    verbose_name = _('Attach Foreign Volume')
    url = 'horizon:project:mixmatch_volumes:attach'
    classes = ('ajax-modal',)
    policy_rules = (
        ('compute', 'os_compute_api:os-volumes-attachments:create'),)

    def allowed(self, request, instance=None):
        return (instance is not None and instance.status == 'ACTIVE' and
                not instance_tables.is_deleting(instance))


class DetachForeignVolume(AttachForeignVolume):
    name = 'mixmatch_detach'
    verbose_name = _('Detach Foreign Volume')
    url = 'horizon:project:mixmatch_volumes:detach'
    policy_rules = (
        ('compute', 'os_compute_api:os-volumes-attachments:delete'),)


def add_row_actions(table=instance_tables.InstancesTable):
    """Add the two actions to ``table`` (once), after its own attach."""
    actions = [a for a in table._meta.row_actions
               if a not in (AttachForeignVolume, DetachForeignVolume)]
    after = actions.index(instance_tables.DetachVolume) + 1
    actions[after:after] = [AttachForeignVolume, DetachForeignVolume]
    table._meta.row_actions = tuple(actions)
    for action in (AttachForeignVolume, DetachForeignVolume):
        table.base_actions.setdefault(action.name, action())
