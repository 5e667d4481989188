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

"""Route lookups served by nova-conductor for nova-compute.

nova-compute has no database access, so it asks the conductor over the
message bus, in the RPC namespace ``mixmatch``, versioned on its own so
that Nova's RPC APIs are left untouched.
"""

from nova import context as nova_context
from nova import rpc
import oslo_messaging as messaging

from mixmatch_federation import route
from nova_mixmatch import db

__all__ = ['RouteEndpoint', 'RouteAPI']

NAMESPACE = 'mixmatch'
TOPIC = 'conductor'


class RouteEndpoint:
    """Served by nova-conductor (extension point conductor.rpc_endpoints).

    The extension point instantiates it once, without arguments, and adds
    it to the conductor's RPC endpoints.
    """

    # 1.1: instance_routes
    # 1.2: lookup_image_route
    target = messaging.Target(namespace=NAMESPACE, version='1.2')

    def lookup_route(self, context: nova_context.RequestContext,
                     volume_id: str | None = None,
                     attachment_id: str | None = None) -> dict:
        """Where a volume or an attachment lives.

        :returns: ``{'known': bool, 'route': primitive or None}``, as
            :func:`nova_mixmatch.db.lookup_route` answers.
        """
        known, found = db.lookup_route(
            context, volume_id=volume_id, attachment_id=attachment_id)
        return {'known': known, 'route': found and found.to_primitive()}

    def lookup_image_route(self, context: nova_context.RequestContext,
                           image_id: str) -> dict:
        """Where an image lives.

        :returns: ``{'known': bool, 'route': primitive or None}``, as
            :func:`nova_mixmatch.db.lookup_image_route` answers.
        """
        known, found = db.lookup_image_route(context, image_id)
        return {'known': known, 'route': found and found.to_primitive()}

    def instance_routes(self, context: nova_context.RequestContext,
                        instance_uuid: str) -> list:
        """The routes of the foreign volumes a server has had.

        :returns: their primitives, as
            :func:`nova_mixmatch.db.instance_routes` finds them.
        """
        return [found.to_primitive() for found in
                db.instance_routes(context, instance_uuid)]


class RouteAPI:
    """Client side of :class:`RouteEndpoint`, used by nova-compute."""

    def __init__(self):
        target = messaging.Target(topic=TOPIC, namespace=NAMESPACE,
                                  version='1.0')
        self._client = rpc.get_client(target)

    def lookup_route(self, context: nova_context.RequestContext,
                     volume_id: str | None = None,
                     attachment_id: str | None = None
                     ) -> tuple[bool, route.Route | None]:
        """As :func:`nova_mixmatch.db.lookup_route`, over the bus."""
        reply = self._client.prepare().call(
            context, 'lookup_route', volume_id=volume_id,
            attachment_id=attachment_id)
        found = reply['route']
        return reply['known'], found and route.Route.from_primitive(found)

    def lookup_image_route(self, context: nova_context.RequestContext,
                           image_id: str
                           ) -> tuple[bool, route.Route | None]:
        """As :func:`nova_mixmatch.db.lookup_image_route`, over the bus."""
        reply = self._client.prepare(version='1.2').call(
            context, 'lookup_image_route', image_id=image_id)
        found = reply['route']
        return reply['known'], found and route.Route.from_primitive(found)

    def instance_routes(self, context: nova_context.RequestContext,
                        instance_uuid: str) -> set[route.Route]:
        """As :func:`nova_mixmatch.db.instance_routes`, over the bus."""
        reply = self._client.prepare(version='1.1').call(
            context, 'instance_routes', instance_uuid=instance_uuid)
        return {route.Route.from_primitive(found) for found in reply}
