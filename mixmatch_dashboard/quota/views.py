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

from django.utils.translation import gettext_lazy as _
from horizon import messages
from horizon import tables

from mixmatch_dashboard import api
from mixmatch_dashboard.quota import tables as quota_tables


class IndexView(tables.DataTableView):
    table_class = quota_tables.QuotaTable
    page_title = _('Quota across clouds')

    def get_data(self):
        try:
            rows = api.quotas(self.request)
        except api.FAILURES as exc:
            # the home cloud itself did not answer
            messages.error(self.request, _('Unable to show quotas: %s')
                           % api.reason(exc))
            return []
        for row in rows:
            if row['Status'].startswith('unavailable'):
                messages.warning(self.request, '%s: %s'
                                 % (row['Provider'], row['Status']))
        return rows
