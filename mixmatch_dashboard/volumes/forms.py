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

"""The modals of the attach and the detach of a foreign volume."""

from django import forms as django_forms
from django.utils.translation import gettext_lazy as _
from horizon import forms
from horizon import messages

from mixmatch_dashboard import api

#: Separates the remote project from the volume in a choice's value.
SEP = '/'


def volume_label(volume):
    return '%s (%s, %d GiB)' % (volume['name'] or volume['id'],
                                volume['id'], volume['size'])


class AttachForeignVolume(forms.SelfHandlingForm):
    """Pick a service provider, then a volume of a project there.

    Each provider has its own volume field, shown when the provider is
    chosen; its choices are grouped by the user's project there, so
    that the remote project is picked with the volume when there are
    several.
    """

    instance_id = django_forms.CharField(widget=django_forms.HiddenInput())
    service_provider = django_forms.ChoiceField(
        label=_('Service provider'),
        widget=django_forms.Select(attrs={
            'class': 'switchable', 'data-slug': 'provider'}))

    def __init__(self, request, *args, **kwargs):
        attachable = kwargs.pop('attachable')
        super().__init__(request, *args, **kwargs)
        self.fields['service_provider'].choices = [
            (sp, sp) for sp in sorted(attachable)]
        for sp, projects in sorted(attachable.items()):
            field = django_forms.ChoiceField(
                label=_('Volume at %s') % sp, required=False,
                choices=[(name, [(SEP.join((project_id, v['id'])),
                                  volume_label(v)) for v in volumes])
                         for project_id, name, volumes in projects
                         if volumes],
                widget=django_forms.Select(attrs={
                    'class': 'switched', 'data-switch-on': 'provider',
                    'data-provider-%s' % sp: _('Volume')}))
            self.fields['volume_' + sp] = field

    def clean(self):
        data = super().clean()
        sp = data.get('service_provider')
        field = 'volume_%s' % sp
        # a volume no longer offered has its field's own error
        if sp and field not in self.errors and not data.get(field):
            raise django_forms.ValidationError(
                _('No volume of yours is available at %s.') % sp
                if not self.fields[field].choices else
                _('Choose a volume at %s.') % sp)
        return data

    def handle(self, request, data):
        sp = data['service_provider']
        project_id, volume_id = data['volume_' + sp].split(SEP)
        try:
            api.attach(request, data['instance_id'], sp, project_id,
                       volume_id)
        except api.FAILURES as exc:
            messages.error(request, _('Unable to attach volume %(volume)s '
                                      'of %(sp)s: %(reason)s') % {
                'volume': volume_id, 'sp': sp, 'reason': api.reason(exc)})
            return False
        messages.info(request, _('Attaching volume %(volume)s of %(sp)s.')
                      % {'volume': volume_id, 'sp': sp})
        return True


class DetachForeignVolume(forms.SelfHandlingForm):
    instance_id = django_forms.CharField(widget=django_forms.HiddenInput())
    volume = django_forms.ChoiceField(label=_('Volume'))

    def __init__(self, request, *args, **kwargs):
        attached = kwargs.pop('attached')
        super().__init__(request, *args, **kwargs)
        self.fields['volume'].choices = [
            (volume_id, '%s on %s (%s)' % (volume_id, device, provider))
            for volume_id, device, provider in attached]

    def handle(self, request, data):
        try:
            api.detach(request, data['instance_id'], data['volume'])
        except api.FAILURES as exc:
            messages.error(request, _('Unable to detach volume %(volume)s: '
                                      '%(reason)s') % {
                'volume': data['volume'], 'reason': api.reason(exc)})
            return False
        messages.info(request, _('Detaching volume %s.') % data['volume'])
        return True
