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

"""``[DEFAULT] compute_api_class = cinder_mixmatch.compute.API``.

Cinder calls Nova back about the servers its volumes are attached to.
When a home cloud's Nova attached a volume here through K2K, its connector
names that cloud (``mixmatch_federation.connector.HOME_KEY``, stored with
the attachment in Cinder's database): calls about its servers go to its
Nova; calls about servers of this cloud go to the stock compute API.
"""

import collections
import functools
import types

from keystoneauth1 import exceptions as ksa_exception
from novaclient import exceptions as nova_exceptions
from oslo_log import log as logging
from oslo_utils import importutils

from cinder_mixmatch import conf
from cinder_mixmatch import home_nova

CONF = conf.CONF
LOG = logging.getLogger(__name__)
_HOME_FAILURES = (home_nova.HomeNotConfigured, ksa_exception.ClientException)


@functools.cache
def _home_novas():
    """The process-wide clients: Cinder builds an API for every call."""
    return home_nova.HomeNovas(CONF)


class API:
    """Cinder's compute API, split by the cloud that owns each server."""

    #: What get_server_volume raises when the server has no such volume.
    NotFound = nova_exceptions.NotFound

    def __init__(self, local=None, host=None, homes=None):
        conf.register_opts(CONF)
        self._local = local or importutils.import_object(
            CONF.mixmatch.local_compute_api_class)
        self._host = host or importutils.import_module(
            'cinder_mixmatch.host')
        self._homes = homes or _home_novas()

    def __getattr__(self, name):
        # get_server (scheduler hints name servers of this cloud) and any
        # call without a volume to tell the owner by.
        return getattr(self._local, name)

    def _by_home(self, context, server_ids, volume_id):
        """{home cloud id, or None for this cloud: [server ids]}"""
        owners = collections.defaultdict(list)
        for server_id in server_ids:
            owners[self._host.home_of(context, server_id,
                                      volume_id)].append(server_id)
        return owners

    # volume-extended and volume-reimaged events

    def extend_volume(self, context, server_ids, volume_id):
        return self._send_events(context, 'extend', server_ids, volume_id)

    def reimage_volume(self, context, server_ids, volume_id):
        return self._send_events(context, 'reimage', server_ids, volume_id)

    _EVENTS = {'extend': ('volume-extended',
                          home_nova.EXTENDED_EVENT_VERSION),
               'reimage': ('volume-reimaged',
                           home_nova.REIMAGED_EVENT_VERSION)}

    def _send_events(self, context, what, server_ids, volume_id):
        delivered = True
        for home, servers in self._by_home(context, server_ids,
                                           volume_id).items():
            if home is None:
                delivered &= self._local_events(context, what, servers,
                                                volume_id)
            else:
                delivered &= self._home_events(context, what, home, servers,
                                               volume_id)
        return delivered

    def _local_events(self, context, what, servers, volume_id):
        local_call = getattr(self._local, what + '_volume')
        try:
            return local_call(context, servers, volume_id)
        except ksa_exception.EndpointNotFound:
            # A storage-only cloud: no Nova here to tell.
            LOG.warning('No compute service in this cloud to tell of the '
                        '%(what)s of volume %(volume)s (servers %(servers)s)',
                        {'what': what, 'volume': volume_id,
                         'servers': servers})
            self._host.report_failure(context, what, volume_id)
            return False

    def _home_events(self, context, what, home, servers, volume_id):
        name, microversion = self._EVENTS[what]
        events = [{'name': name, 'server_uuid': server, 'tag': volume_id}
                  for server in servers]
        try:
            answers = self._homes(home).send_events(events, microversion)
        except _HOME_FAILURES as exc:
            LOG.warning('Cloud %(home)s was not told of the %(what)s of '
                        'volume %(volume)s: %(exc)s',
                        {'home': home, 'what': what, 'volume': volume_id,
                         'exc': exc})
            answers = []
        failed = [a for a in answers if a.get('code') != 200]
        if failed or not answers:
            LOG.warning('Nova of cloud %(home)s refused events %(failed)s',
                        {'home': home, 'failed': failed or events})
            self._host.report_failure(context, what, volume_id)
            return False
        LOG.info('Nova of cloud %(home)s took the %(name)s event of volume '
                 '%(volume)s for servers %(servers)s',
                 {'home': home, 'name': name, 'volume': volume_id,
                  'servers': servers})
        return True

    # the attachment delete protection

    def get_server_volume(self, context, server_id, volume_id):
        """The server's attachment of the volume, as its Nova sees it.

        :raises: ``NotFound`` when the server does not use the volume, and a
            409 when no Nova can say so, so that a user never deletes an
            attachment a Nova might still use.
        """
        home = self._host.home_of(context, server_id, volume_id)
        if home is None:
            try:
                return self._local.get_server_volume(context, server_id,
                                                     volume_id)
            except ksa_exception.EndpointNotFound:
                LOG.warning('No compute service in this cloud to ask about '
                            'server %s', server_id)
                raise self._host.no_local_compute(server_id)
        try:
            attachment = self._homes(home).server_volume(server_id,
                                                         volume_id)
        except ksa_exception.NotFound:
            raise self.NotFound(404)
        except _HOME_FAILURES as exc:
            LOG.warning('Cannot ask cloud %(home)s about server %(server)s: '
                        '%(exc)s', {'home': home, 'server': server_id,
                                    'exc': exc})
            raise self._host.conflict(
                home, server_id, volume_id,
                'its Nova could not confirm that the server no longer uses '
                'it; detach it through that cloud')
        return types.SimpleNamespace(**attachment)

    # swap (migration and retype of a volume in use)

    def update_server_volume(self, context, server_id, src_volid,
                             new_volume_id):
        home = self._host.home_of(context, server_id, src_volid)
        if home is None:
            return self._local.update_server_volume(
                context, server_id, src_volid, new_volume_id)
        # The home Nova would have to attach new_volume_id of this cloud
        # through K2K; the API refuses such migrations up front (see
        # cinder_mixmatch.extension), this is for any other path.
        raise self._host.conflict(
            home, server_id, src_volid,
            'it cannot be migrated while in use by another cloud; detach '
            'it first')

    # assisted snapshots (remotefs drivers)

    def create_volume_snapshot(self, context, volume_id, create_info):
        home = self._host.home_of_volume(context, volume_id)
        if home is None:
            return self._local.create_volume_snapshot(context, volume_id,
                                                      create_info)
        return self._homes(home).create_volume_snapshot(volume_id,
                                                        create_info)

    def delete_volume_snapshot(self, context, snapshot_id, delete_info):
        volume_id = self._host.volume_of_snapshot(context, snapshot_id)
        home = self._host.home_of_volume(context, volume_id)
        if home is None:
            return self._local.delete_volume_snapshot(context, snapshot_id,
                                                      delete_info)
        return self._homes(home).delete_volume_snapshot(snapshot_id,
                                                        delete_info)
