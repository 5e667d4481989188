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

from nova_mixmatch import clients
from nova_mixmatch import conf
from nova_mixmatch import route as route_mod
from nova_mixmatch import routes

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


@functools.cache
def foreign_clients():
    """The process-wide cache of foreign clients."""
    return clients.ForeignClients(CONF.mixmatch.client_cache_size)


def cinderclient(proceed, context, microversion, skip_version_check,
                 check_only):
    """Extension of ``nova.volume.cinder.cinderclient``."""
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
        kind = ROUTED_METHODS[self._name].get(method)
        if kind is None:
            return getattr(getattr(self._client.home, self._name), method)
        return functools.partial(self._call, kind, method)

    def _call(self, kind, method, resource_id, *args, **kwargs):
        context = self._client.context
        router = routes.router()
        if kind == 'volume':
            route = router.for_volume(context, resource_id)
        else:
            route = router.for_attachment(context, resource_id)
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

        result = foreign_clients().call(
            context, route, self._client.microversion, foreign_call)
        if (self._name, method) == ('attachments', 'create'):
            router.learn_attachment(result['id'], route)
        return result

    @staticmethod
    def _record_home(context, route, connector):
        """The connector, naming the home cloud for the foreign Cinder.

        Its callbacks for this attachment (volume-extended events, the
        attachment delete protection) then go to the home Nova.
        """
        home = foreign_clients().federate(
            context, route.service_provider,
            route.project_id).identity_provider
        if home is None:
            return connector
        return dict(connector, **{route_mod.CONNECTOR_HOME_KEY: home})
