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

"""What the dashboard asks of the clouds, as the logged-in user.

A request's :class:`~mixmatch_client.clouds.Clouds` is built from the
user's home token (project-scoped, as Horizon keeps it), with Horizon's
TLS settings; the service providers are those the token lists. The home
Nova is asked with the same session.
"""

import functools

from django.conf import settings
from keystoneauth1 import adapter
from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session

from mixmatch_client import clouds as mm_clouds
from mixmatch_client import quota as mm_quota
from mixmatch_client import volume as mm_volume

#: What makes a cloud unavailable, or an action fail with a message.
FAILURES = mm_clouds.FAILURES
HOME = mm_clouds.HOME


def reason(exc):
    """Why a call failed, in one line.

    Nova's own message when it answered with one (its faults are
    ``{"badRequest": {"message": ...}}``, which keystoneauth does not
    read), else as the command line says it.
    """
    try:
        (fault,) = exc.response.json().values()
        return ' '.join(fault['message'].split())
    except (AttributeError, TypeError, ValueError, KeyError):
        return mm_clouds.reason(exc)


def clouds(request):
    """The clouds of the logged-in user."""
    user = request.user
    cafile = getattr(settings, 'OPENSTACK_SSL_CACERT', None)
    insecure = getattr(settings, 'OPENSTACK_SSL_NO_VERIFY', False)
    session = ks_session.Session(
        auth=v3.Token(user.endpoint, user.token.id,
                      project_id=user.project_id),
        verify=cafile or not insecure, app_name='mixmatch-dashboard')
    return mm_clouds.Clouds(
        session,
        interface=getattr(settings, 'OPENSTACK_ENDPOINT_TYPE', 'public'),
        region_name=user.services_region)


def volumes(request):
    """A dict per row of ``openstack mixmatch volume list``.

    Keys: the command's columns; a cloud that did not answer is a row
    with ``Status`` "unavailable: <reason>" and no ``ID``.
    """
    return [dict(zip(mm_volume.COLUMNS, row)) for row in mm_volume.rows(
        clouds(request).query(mm_volume.list_volumes),
        mm_volume.COLUMNS)]


def quotas(request):
    """A dict per row of ``openstack mixmatch quota show``."""
    return [dict(zip(mm_quota.COLUMNS, row)) for row in mm_quota.rows(
        clouds(request).query(mm_quota.usage))]


def attachable(request):
    """What a server may attach, by provider.

    :returns: ({provider: [(project id, project name, [volume, ...])]},
        {provider: reason}) of the available volumes of each project the
        user has at each service provider, and the providers that did not
        answer.
    """
    outcomes = clouds(request).query(
        functools.partial(mm_volume.list_volumes,
                          filters={'status': 'available'}))
    found, down = {}, {}
    for outcome in outcomes:
        if outcome.error:
            down[outcome.provider] = outcome.error
            continue
        found.setdefault(outcome.provider, []).append(
            (outcome.scope.project_id, outcome.scope.project_name,
             outcome.value))
    return found, down


def _compute(request, mixmatch=None):
    home = (mixmatch or clouds(request)).home()
    return adapter.Adapter(home.session, service_type='compute',
                           interface=home.interface,
                           region_name=home.region_name)


def attach(request, server_id, service_provider, remote_project, volume_id):
    """Attach a foreign volume to a home server, as the user.

    :raises: one of :data:`FAILURES`, which says why (Nova's 400 with the
        reason, before anything changed).
    """
    _compute(request).post(
        '/servers/%s/os-volume_attachments' % server_id,
        json={'volumeAttachment': {'volumeId': volume_id,
                                   'service_provider': service_provider,
                                   'remote_project': remote_project}})


def server_volumes(request, server_id):
    """[(volume id, device, provider)] attached to a home server.

    The provider is where the user sees the volume ("(home)" or a
    service provider), or "unknown" when no cloud that answered has it.
    """
    mixmatch = clouds(request)
    attachments = _compute(request, mixmatch).get(
        '/servers/%s/os-volume_attachments' % server_id).json()[
        'volumeAttachments']
    where = mm_volume.providers(mixmatch, {a['volumeId']
                                           for a in attachments})
    return [(a['volumeId'], a.get('device'),
             where.get(a['volumeId'], mm_volume.UNKNOWN))
            for a in attachments]


def detach(request, server_id, volume_id):
    """Detach a volume (of any cloud) from a home server.

    :raises: one of :data:`FAILURES`, which says why.
    """
    _compute(request).delete(
        '/servers/%s/os-volume_attachments/%s' % (server_id, volume_id))
