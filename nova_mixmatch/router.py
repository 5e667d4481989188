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

"""Which cloud owns a volume id, an attachment id or an image id.

An id never moves between clouds, so an answer read from a block device
mapping (or, for an image, from a server built from it) is cached for
good. The attach or server create request itself names the cloud before
any mapping or server exists: :func:`hint` and :func:`hint_image` record
it on that request's context only.
"""

import functools
import typing

from nova import context as nova_context
from nova.objects import base as objects_base

from mixmatch_federation import route
from nova_mixmatch import conductor
from nova_mixmatch import conf
from nova_mixmatch import db
from nova_mixmatch import lru

__all__ = ['Router', 'hint', 'hint_image', 'hints',
           'instance_routes', 'process_router']

Context = nova_context.RequestContext
#: (context, volume_id=..., attachment_id=... or image_id=...)
#: -> (known, route)
Lookup = typing.Callable[..., tuple[bool, route.Route | None]]
_HINTS_ATTR = 'mixmatch_routes'
_IMAGE_HINTS_ATTR = 'mixmatch_image_routes'
_MISSING = object()


def _hint(context, attr, resource_id, where):
    hinted = dict(getattr(context, attr, {}))
    hinted[resource_id] = where
    setattr(context, attr, hinted)


def hint(context: Context, volume_id: str, where: route.Route) -> None:
    """Tell the rest of this request that ``volume_id`` lives at ``where``."""
    _hint(context, _HINTS_ATTR, volume_id, where)


def hint_image(context: Context, image_id: str,
               where: route.Route | None) -> None:
    """Tell the rest of this request that ``image_id`` lives at ``where``.

    None: at home.
    """
    _hint(context, _IMAGE_HINTS_ATTR, image_id, where)


def hints(context: Context) -> tuple[dict[str, route.Route],
                                     dict[str, route.Route]]:
    """The volumes and the images hinted on ``context``, by id."""
    return (dict(getattr(context, _HINTS_ATTR, {})),
            dict(getattr(context, _IMAGE_HINTS_ATTR, {})))


class Router:
    """The cloud of volume and attachment ids, cached.

    :param lookup: reads the route of an id from the database.
    :param size: how many ids to keep.
    """

    def __init__(self, lookup: Lookup, size: int) -> None:
        self._lookup = lookup
        self._cache = lru.LRU(size)

    def for_volume(self, context: Context, volume_id: str
                   ) -> route.Route | None:
        """The route of ``volume_id``, or None for the home cloud."""
        hinted = getattr(context, _HINTS_ATTR, {}).get(volume_id)
        return hinted or self._resolve(context, volume_id=volume_id)

    def for_attachment(self, context: Context, attachment_id: str
                       ) -> route.Route | None:
        """The route of ``attachment_id``, or None for the home cloud."""
        return self._resolve(context, attachment_id=attachment_id)

    def for_image(self, context: Context, image_id: str
                  ) -> route.Route | None:
        """The route of ``image_id``, or None for the home cloud.

        A hint decides, even one that says home (None): a server create
        that names no provider asks for an image of the home Glance.
        """
        hinted = getattr(context, _IMAGE_HINTS_ATTR, {})
        if image_id in hinted:
            return hinted[image_id]
        return self._resolve(context, image_id=image_id)

    def learn_attachment(self, attachment_id: str,
                         where: route.Route) -> None:
        """Remember a foreign attachment as soon as its cloud created it."""
        self._cache.put(('attachment_id', attachment_id), where)

    def _resolve(self, context, **ident):
        key = next(iter(ident.items()))
        found = self._cache.get(key, _MISSING)
        if found is _MISSING:
            known, found = self._lookup(context, **ident)
            if known:
                self._cache.put(key, found)
        return found


@functools.cache
def _conductor() -> conductor.RouteAPI:
    return conductor.RouteAPI()


def _lookup(context, image_id=None, **ident):
    # nova-compute reaches the database only through the conductor, as
    # Nova's own remotable objects do.
    remote = objects_base.NovaObject.indirection_api is not None
    if image_id is not None:
        if remote:
            return _conductor().lookup_image_route(context, image_id)
        return db.lookup_image_route(context, image_id)
    if remote:
        return _conductor().lookup_route(context, **ident)
    return db.lookup_route(context, **ident)


def instance_routes(context: Context, instance_uuid: str
                    ) -> set[route.Route]:
    """The routes of every foreign volume a server has had.

    Not cached: an attach adds one.
    """
    if objects_base.NovaObject.indirection_api is not None:
        return _conductor().instance_routes(context, instance_uuid)
    return db.instance_routes(context, instance_uuid)


@functools.cache
def process_router() -> Router:
    """The process-wide router."""
    return Router(_lookup, conf.CONF.mixmatch.route_cache_size)
