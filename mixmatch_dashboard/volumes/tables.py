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

"""The rows of ``openstack mixmatch volume list``."""

from django.template import defaultfilters
from django.utils.translation import gettext_lazy as _
from horizon import tables


class VolumesTable(tables.DataTable):
    id = tables.Column('ID', verbose_name=_('ID'))
    name = tables.Column('Name', verbose_name=_('Name'))
    status = tables.Column('Status', verbose_name=_('Status'))
    size = tables.Column('Size', verbose_name=_('Size'))
    attached_to = tables.Column('Attached to', verbose_name=_('Attached to'),
                                filters=(defaultfilters.linebreaksbr,))
    provider = tables.Column('Provider', verbose_name=_('Provider'))
    project = tables.Column('Project', verbose_name=_('Project'))

    def get_object_id(self, datum):
        # an unavailable cloud's row has no volume ID
        return '%s/%s/%s' % (datum['Provider'], datum['Project'],
                             datum['ID'])

    class Meta(object):
        name = 'mixmatch_volumes'
        verbose_name = _('Volumes across clouds')
