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

"""Send each Cinder call to the cloud that owns the volume or attachment.

Registered at Nova's ``volume.cinderclient`` extension point, so that every
method of ``nova.volume.cinder.API`` keeps its own logic and exception
translation and only the client underneath changes.
"""

import functools
import typing

from cinderclient import client as cinder_client
from cinderclient import exceptions as cinder_exception
from keystoneauth1 import discover
from keystoneauth1 import session as ks_session
from nova import context as nova_context
from nova import exception as nova_exception

from mixmatch_federation import connector as connector_mod
from nova_mixmatch import conf
from nova_mixmatch import exception
from nova_mixmatch import foreign
from nova_mixmatch.foreign import service
from nova_mixmatch import router

__all__ = ['BlockStorage', 'NOT_FOUND', 'cinderclient']

CONF = conf.CONF

#: Methods of cinderclient managers whose first argument names the
#: resource that decides the cloud: ("volume" or "attachment").
ROUTED_METHODS = {
    'volumes': dict.fromkeys(
        ('get', 'reserve', 'unreserve', 'begin_detaching', 'roll_detaching',
         'attach', 'detach', 'initialize_connection', 'terminate_connection',
         'delete', 'update', 'extend', 'reimage', 'get_encryption_metadata'),
        'volume'),
    'attachments': {'create': 'volume', 'show': 'attachment',
                    'update': 'attachment', 'delete': 'attachment',
                    'complete': 'attachment'},
}
#: Attachment methods whose second argument is the host connector.
CONNECTOR_METHODS = ('create', 'update')
#: cinderclient's errors for a volume the user does not see.
NOT_FOUND = (cinder_exception.NotFound,)


class BlockStorage(service.Service):
    """The providers' Cinder, at the ``[mixmatch] cinder_*`` options."""

    kind = 'volume'
    auth_failures = (cinder_exception.Unauthorized,)
    unreachable = (cinder_exception.ConnectionError,)

    def endpoint(self) -> service.EndpointFilter:
        return service.EndpointFilter(
            service_type=CONF.mixmatch.cinder_service_type,
            interface=CONF.mixmatch.cinder_interface,
            region_name=CONF.mixmatch.cinder_region_name,
            min_version='3.0', max_version='3.latest')

    def client(self, session: ks_session.Session,
               endpoint: discover.EndpointData,
               context: nova_context.RequestContext,
               microversion: str | None = None) -> cinder_client.Client:
        """A cinderclient at ``microversion`` (default 3.0).

        :raises: nova.exception.CinderAPIVersionNotAvailable if the foreign
            Cinder does not support ``microversion``.
        """
        version = microversion or '3.0'
        if not discover.version_between(
                endpoint.min_microversion or (3, 0),
                endpoint.max_microversion,
                discover.normalize_version_number(version)):
            raise nova_exception.CinderAPIVersionNotAvailable(
                version=version)
        return cinder_client.Client(
            version, session=session, endpoint_override=endpoint.url,
            connect_retries=CONF.cinder.http_retries,
            global_request_id=context.global_id)

    def broken(self, error: Exception) -> bool:
        return (isinstance(error, cinder_exception.ClientException) and
                error.code >= 500)


BLOCK_STORAGE = BlockStorage()


def cinderclient(proceed: typing.Callable[[], typing.Any],
                 context: nova_context.RequestContext,
                 microversion: str | None, skip_version_check: bool,
                 check_only: bool) -> typing.Any:
    """Extension of ``nova.volume.cinder.cinderclient``.

    :param proceed: builds Nova's own client of the home Cinder.
    :param context: the request context the client is for.
    :param microversion: the Cinder microversion Nova asks for, or None.
    :param skip_version_check: Nova's own flag, for the home client.
    :param check_only: only check the home Cinder's version: no client.
    :returns: a :class:`RoutingClient` when mixmatch is enabled, else
        whatever ``proceed()`` returns.
    """
    if not CONF.mixmatch.enabled or check_only:
        return proceed()
    return RoutingClient(context, proceed, microversion)


class RoutingClient:
    """Looks like a cinderclient ``Client``.

    Calls naming a foreign volume or attachment go to its cloud; the rest
    go to the home Cinder, whose client is built only when needed.
    """

    def __init__(self, context, build_home_client, microversion):
        self.context = context
        self.microversion = microversion
        self._build_home_client = build_home_client
        self._home_client = None

    @property
    def home(self):
        if self._home_client is None:
            self._home_client = self._build_home_client()
        return self._home_client

    def __getattr__(self, name):
        if name in ROUTED_METHODS:
            return RoutingManager(self, name)
        return getattr(self.home, name)


class RoutingManager:

    def __init__(self, client, name):
        self._client = client
        self._name = name

    def __getattr__(self, method):
        if (self._name, method) == ('attachments', 'list'):
            return self._list_attachments
        kind = ROUTED_METHODS[self._name].get(method)
        if kind is None:
            return getattr(getattr(self._client.home, self._name), method)
        return functools.partial(self._call, kind, method)

    def _call(self, kind, method, resource_id, *args, **kwargs):
        context = self._client.context
        routes = router.process_router()
        if kind == 'volume':
            route = routes.for_volume(context, resource_id)
        else:
            route = routes.for_attachment(context, resource_id)
        if route is None:
            manager = getattr(self._client.home, self._name)
            return getattr(manager, method)(resource_id, *args, **kwargs)

        connector = args[0] if args else None
        if (self._name == 'attachments' and method in CONNECTOR_METHODS and
                connector):
            args = (self._record_home(context, route, connector),) + args[1:]

        def foreign_call(client):
            manager = getattr(client, self._name)
            return getattr(manager, method)(resource_id, *args, **kwargs)

        result = foreign.clients().call(
            context, route, BLOCK_STORAGE, foreign_call,
            microversion=self._client.microversion)
        if (self._name, method) == ('attachments', 'create'):
            routes.learn_attachment(result['id'], route)
        return result

    def _list_attachments(self, *args, **kwargs):
        """The home Cinder's attachments, and a server's at its providers.

        On reboot Nova lists a server's attachments
        (``attachments.list(search_opts={'instance_id': ...})``) and
        deletes those its mappings do not name (``_delete_dangling_bdms``):
        the foreign ones are listed at every provider the server has had a
        volume of, in the project of each route, and the router learns
        their cloud. Only the server's are kept, whatever the provider's
        filters: Nova deletes what it is given.

        :raises: cinderclient's ClientException (503) when a provider
            cannot answer, as for a home Cinder that is down: Nova then
            skips the check rather than act on part of the list.
        """
        home = self._client.home.attachments.list(*args, **kwargs)
        server = (kwargs.get('search_opts') or {}).get('instance_id')
        if not server:
            return home
        context = self._client.context
        routes = router.process_router()
        found = list(home)
        for where in sorted(router.instance_routes(context, server),
                            key=str):
            try:
                listed = foreign.clients().call(
                    context, where, BLOCK_STORAGE,
                    lambda client: client.attachments.list(*args, **kwargs),
                    microversion=self._client.microversion)
            except exception.ForeignCallFailed as e:
                raise cinder_exception.ClientException(
                    503, message=e.format_message())
            for attachment in listed:
                if getattr(attachment, 'instance', None) == server:
                    routes.learn_attachment(attachment.id, where)
                    found.append(attachment)
        return found

    @staticmethod
    def _record_home(context, route, connector):
        """The connector, naming the home cloud for the foreign Cinder.

        Its callbacks for this attachment (volume-extended events, the
        attachment delete protection) then go to the home Nova.
        """
        home = foreign.clients().identities.federate(
            context, route.service_provider,
            route.project_id).identity_provider
        if home is None:
            return connector
        return connector_mod.naming_home(connector, home)
