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

from django.urls import reverse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from horizon import forms
from horizon import messages
from horizon import tables

from mixmatch_dashboard import api
from mixmatch_dashboard.volumes import forms as volume_forms
from mixmatch_dashboard.volumes import tables as volume_tables

INSTANCES = reverse_lazy('horizon:project:instances:index')


def warn_unavailable(request, down):
    """A message per cloud that did not answer: {provider: reason}."""
    for provider, why in sorted(down.items()):
        messages.warning(request, _('%(provider)s: unavailable: %(reason)s')
                         % {'provider': provider, 'reason': why})


class IndexView(tables.DataTableView):
    table_class = volume_tables.VolumesTable
    page_title = _('Volumes across clouds')

    def get_data(self):
        try:
            rows = api.volumes(self.request)
        except api.FAILURES as exc:
            # the home cloud itself did not answer
            messages.error(self.request, _('Unable to list volumes: %s')
                           % api.reason(exc))
            return []
        warn_unavailable(self.request, {
            row['Provider']: row['Status'].partition(': ')[2]
            for row in rows if not row['ID']})
        return rows


class _ServerModal(forms.ModalFormView):
    """A modal about one server of Project > Compute > Instances."""

    success_url = INSTANCES

    def get_initial(self):
        self.submit_url = reverse(self.submit_view, kwargs={
            'instance_id': self.kwargs['instance_id']})
        return {'instance_id': self.kwargs['instance_id']}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        try:
            kwargs.update(self.choices())
        except api.FAILURES as exc:
            messages.error(self.request, '%s: %s' % (self.failure,
                                                     api.reason(exc)))
            kwargs.update(self.no_choices)
        return kwargs


class AttachView(_ServerModal):
    form_class = volume_forms.AttachForeignVolume
    template_name = 'mixmatch_dashboard/attach.html'
    page_title = _('Attach Foreign Volume')
    modal_id = 'mixmatch_attach_modal'
    submit_label = _('Attach Volume')
    submit_view = 'horizon:project:mixmatch_volumes:attach'
    failure = _('Unable to list the volumes of the service providers')
    no_choices = {'attachable': {}}

    def choices(self):
        found, down = api.attachable(self.request)
        found.pop(api.HOME, None)
        warn_unavailable(self.request, down)
        return {'attachable': found}


class DetachView(_ServerModal):
    form_class = volume_forms.DetachForeignVolume
    template_name = 'mixmatch_dashboard/detach.html'
    page_title = _('Detach Foreign Volume')
    modal_id = 'mixmatch_detach_modal'
    submit_label = _('Detach Volume')
    submit_view = 'horizon:project:mixmatch_volumes:detach'
    failure = _('Unable to list the volumes of the server')
    no_choices = {'attached': []}

    def choices(self):
        return {'attached': api.server_volumes(
            self.request, self.kwargs['instance_id'])}
