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

"""Send Nova's reads of a foreign image to the Glance of its cloud.

Registered at Nova's ``image.glance.call`` extension point, through which
every call of every ``nova.image.glance.API`` passes (nova-api's checks of
a new server's image, nova-compute's download, snapshots...): a call that
reads an image of a service provider (``get``, ``data``) goes to that
provider's Glance through the foreign-client layer, as the user (K2K);
all of Nova's own logic and error translation stays in use. Every other
call, and every call of a home image, is Nova's own. A home image made
from a server built from a foreign image (a snapshot, a shelve) says where
its base image came from: ``mixmatch_base_image_service_provider`` and
``mixmatch_base_image_remote_project``, beside Nova's ``base_image_ref``.
"""

import re
import typing

import glanceclient
from glanceclient import exc as glance_exception
from keystoneauth1 import discover
from keystoneauth1 import session as ks_session
from nova import context as nova_context
from nova import exception as nova_exception

from mixmatch_federation import route as route_mod
from nova_mixmatch import conf
from nova_mixmatch import exception
from nova_mixmatch import foreign
from nova_mixmatch.foreign import service
from nova_mixmatch import router

__all__ = ['Images', 'IMAGES', 'NOT_FOUND', 'call', 'show']

CONF = conf.CONF
#: The calls of Glance's images controller that read one image, by id.
ROUTED_METHODS = ('get', 'data')
VERSION = 2
#: glanceclient's errors for an image the user does not see.
NOT_FOUND = (glance_exception.HTTPNotFound,)
_VERSION_SUFFIX = re.compile(r'/v\d+(\.\d+)?/?$')


class Images(service.Service):
    """The providers' Glance, at the ``[mixmatch] glance_*`` options."""

    kind = 'image'
    auth_failures = (glance_exception.HTTPUnauthorized,)
    unreachable = (glance_exception.CommunicationError,
                   glance_exception.InvalidEndpoint)

    def endpoint(self) -> service.EndpointFilter:
        return service.EndpointFilter(
            service_type=CONF.mixmatch.glance_service_type,
            interface=CONF.mixmatch.glance_interface,
            region_name=CONF.mixmatch.glance_region_name,
            min_version='2.0', max_version='2.latest')

    def client(self, session: ks_session.Session,
               endpoint: discover.EndpointData,
               context: nova_context.RequestContext) -> typing.Any:
        # glanceclient adds /v2 itself: its root, as Nova's own
        # get_api_servers() gives it.
        root = _VERSION_SUFFIX.sub('/', endpoint.url)
        return glanceclient.Client(
            VERSION, session=session, endpoint_override=root,
            global_request_id=context.global_id)

    def broken(self, error: Exception) -> bool:
        return (isinstance(error, glance_exception.HTTPException) and
                (error.code or 0) >= 500)


IMAGES = Images()


def show(context: nova_context.RequestContext, where: route_mod.Route,
         image_id: str) -> typing.Any:
    """The image ``image_id`` at ``where``, as glanceclient gives it.

    :raises: glanceclient's HTTPNotFound if the provider shows no such
        image to the user; as
        :meth:`~nova_mixmatch.foreign.calls.ForeignClients.call`.
    """
    return foreign.clients().call(
        context, where, IMAGES, lambda client: client.images.get(image_id))


def _record_base_image_origin(context, properties):
    """Name the cloud of the new image's base image, if foreign.

    :param properties: the new image's, as Nova sends them; changed in
        place (Nova's call sends these very ones).
    """
    base = properties.get('base_image_ref')
    where = base and router.process_router().for_image(context, base)
    if where:
        properties.update(
            mixmatch_base_image_service_provider=where.service_provider,
            mixmatch_base_image_remote_project=where.project_id)


def call(proceed: typing.Callable[[], typing.Any],
         context: nova_context.RequestContext, version: int, method: str,
         controller: str | None, args: typing.Sequence | None,
         kwargs: dict | None) -> typing.Any:
    """Extension of ``nova.image.glance.GlanceClientWrapper.call``.

    :param proceed: Nova's own call, to the home Glance.
    :param context: the request context of the call.
    :param version: the Glance API version Nova asks for (2).
    :param method: the glanceclient method, ``get``, ``data``...
    :param controller: the glanceclient controller (None: ``images``).
    :param args: the method's positional arguments; the image id first.
    :param kwargs: its keyword arguments.
    :returns: the foreign Glance's answer for a foreign image, else what
        ``proceed()`` returns.
    :raises: :class:`~nova_mixmatch.exception.ForeignCallFailed` when the
        provider cannot answer, but nova.exception.ImageUnacceptable naming
        the provider when it cannot give the image's bytes (``data``);
        glanceclient's errors about the request, which Nova translates as
        for its own Glance.
    """
    if not CONF.mixmatch.enabled or controller not in (None, 'images'):
        return proceed()
    if method == 'create' and kwargs:
        _record_base_image_origin(context, kwargs)
    if method not in ROUTED_METHODS or not args:
        return proceed()
    image_id = args[0]
    where = router.process_router().for_image(context, image_id)
    if where is None:
        return proceed()
    try:
        return foreign.clients().call(
            context, where, IMAGES,
            lambda client: getattr(client.images, method)(*args,
                                                          **(kwargs or {})))
    except exception.ForeignCallFailed as e:
        if method != 'data':
            raise
        # No compute host of this cloud can download it either: Nova
        # aborts the build on an unacceptable image (it reschedules on any
        # other error, and its fault would then not name the provider).
        raise nova_exception.ImageUnacceptable(
            image_id=image_id, reason=e.format_message())
