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

"""The Nova of a home cloud, reached as the identity cinder.conf names.

Cinder gets no token of the home cloud with a request: the calls about a
home server are made as the identity of ``[mixmatch_home_<id>]``, in the
home Keystone. What it needs there (see README): Nova's
``os_compute_api:os-server-external-events:create`` (the ``service``
role by default) and, for the attachment delete protection,
``os_compute_api:os-volumes-attachments:show`` on any server, which
takes an admin; :func:`access_rules` narrows the credential to these
calls.
"""

import threading
import urllib.parse

from keystoneauth1 import adapter
from keystoneauth1 import loading as ks_loading
from oslo_serialization import jsonutils

from cinder_mixmatch import conf as conf_mod

#: Nova microversions of the calls, as cinder.compute.nova uses them.
EXTENDED_EVENT_VERSION = '2.51'
REIMAGED_EVENT_VERSION = '2.93'
#: The first that shows the attachment id of a server volume.
SERVER_VOLUME_VERSION = '2.89'


def access_rules(endpoint='/v2.1'):
    """Keystone application credential access rules for these calls.

    endpoint: the home Nova's endpoint, its catalog URL or just its path
    (``http://home/compute/v2.1`` under devstack's uWSGI). Nova matches the
    rules against the whole request path with ``[keystone_authtoken]
    service_type = compute``.
    """
    prefix = urllib.parse.urlsplit(endpoint).path.rstrip('/')
    return [{'service': 'compute', 'method': method, 'path': prefix + path}
            for method, path in (
                ('POST', '/os-server-external-events'),
                ('GET', '/servers/*/os-volume_attachments/*'),
                ('POST', '/os-assisted-volume-snapshots'),
                ('DELETE', '/os-assisted-volume-snapshots/*'))]


class HomeNotConfigured(Exception):
    """A home cloud without ``[mixmatch] home_clouds`` and auth options."""

    def __init__(self, home_id):
        super().__init__(
            'cloud %s is not in [mixmatch] home_clouds, or its section '
            '[%s] names no identity' % (home_id,
                                        conf_mod.home_group(home_id)))
        self.home_id = home_id


class HomeNova:
    """The compute API of one home cloud."""

    def __init__(self, conf, home_id):
        if home_id not in conf.mixmatch.home_clouds:
            raise HomeNotConfigured(home_id)
        options = conf_mod.register_home_opts(conf, home_id)
        group = conf_mod.home_group(home_id)
        auth = ks_loading.load_auth_from_conf_options(conf, group)
        if auth is None:
            raise HomeNotConfigured(home_id)
        session = ks_loading.load_session_from_conf_options(
            conf, group, auth=auth)
        self.home_id = home_id
        self._compute = adapter.Adapter(
            session, service_type='compute', interface=options.interface,
            region_name=options.region_name)

    def send_events(self, events, microversion):
        """POST server external events; Nova's answer, one per event."""
        return self._compute.post(
            '/os-server-external-events', json={'events': events},
            microversion=microversion).json()['events']

    def server_volume(self, server_id, volume_id):
        """The server's attachment of the volume, as Nova shows it."""
        return self._compute.get(
            '/servers/%s/os-volume_attachments/%s' % (server_id, volume_id),
            microversion=SERVER_VOLUME_VERSION).json()['volumeAttachment']

    def create_volume_snapshot(self, volume_id, create_info):
        self._compute.post('/os-assisted-volume-snapshots', json={
            'snapshot': {'volume_id': volume_id,
                         'create_info': create_info}})

    def delete_volume_snapshot(self, snapshot_id, delete_info):
        self._compute.delete(
            '/os-assisted-volume-snapshots/%s' % snapshot_id,
            params={'delete_info': jsonutils.dumps(delete_info)})


class HomeNovas:
    """One client per home cloud, built at first use, per process."""

    def __init__(self, conf=conf_mod.CONF):
        self._conf = conf
        self._lock = threading.Lock()
        self._clients = {}

    def __call__(self, home_id):
        """The :class:`HomeNova` of ``home_id``.

        :raises: :class:`HomeNotConfigured`
        """
        with self._lock:
            client = self._clients.get(home_id)
            if client is None:
                client = self._clients[home_id] = HomeNova(self._conf,
                                                           home_id)
            return client
