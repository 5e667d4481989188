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

"""The rows of ``openstack mixmatch quota show``."""

from django.utils.translation import gettext_lazy as _
from horizon import tables


class QuotaTable(tables.DataTable):
    provider = tables.Column('Provider', verbose_name=_('Provider'))
    project = tables.Column('Project', verbose_name=_('Project'))
    volumes = tables.Column('Volumes', verbose_name=_('Volumes'))
    volumes_limit = tables.Column('Volumes Limit',
                                  verbose_name=_('Volumes Limit'))
    gigabytes = tables.Column('Gigabytes', verbose_name=_('Gigabytes'))
    gigabytes_limit = tables.Column('Gigabytes Limit',
                                    verbose_name=_('Gigabytes Limit'))
    snapshots = tables.Column('Snapshots', verbose_name=_('Snapshots'))
    snapshots_limit = tables.Column('Snapshots Limit',
                                    verbose_name=_('Snapshots Limit'))
    status = tables.Column('Status', verbose_name=_('Status'))

    def get_object_id(self, datum):
        return '%s/%s' % (datum['Provider'], datum['Project'])

    class Meta(object):
        name = 'mixmatch_quota'
        verbose_name = _('Quota across clouds')
