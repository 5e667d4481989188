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

"""Which cloud owns a volume id or an attachment id.

A volume or attachment id never moves between clouds, so an answer read
from a block device mapping is cached for good. The attach request itself
names the cloud before any mapping exists: :func:`hint` records it on that
request's context only.
"""

import functools

from nova.objects import base as objects_base

from nova_mixmatch import conductor
from nova_mixmatch import conf
from nova_mixmatch import db
from nova_mixmatch import lru

_HINTS_ATTR = 'mixmatch_routes'
_MISSING = object()


def hint(context, volume_id, route):
    """Tell the rest of this request that ``volume_id`` lives at ``route``."""
    hints = dict(getattr(context, _HINTS_ATTR, {}))
    hints[volume_id] = route
    setattr(context, _HINTS_ATTR, hints)


class Router:

    def __init__(self, lookup, size):
        self._lookup = lookup
        self._cache = lru.LRU(size)

    def for_volume(self, context, volume_id):
        """The route of ``volume_id``, or None for the home cloud."""
        hinted = getattr(context, _HINTS_ATTR, {}).get(volume_id)
        return hinted or self._resolve(context, volume_id=volume_id)

    def for_attachment(self, context, attachment_id):
        """The route of ``attachment_id``, or None for the home cloud."""
        return self._resolve(context, attachment_id=attachment_id)

    def learn_attachment(self, attachment_id, route):
        """Remember a foreign attachment as soon as its cloud created it."""
        self._cache.put(('attachment_id', attachment_id), route)

    def _resolve(self, context, **ident):
        key = next(iter(ident.items()))
        route = self._cache.get(key, _MISSING)
        if route is _MISSING:
            known, route = self._lookup(context, **ident)
            if known:
                self._cache.put(key, route)
        return route


@functools.cache
def _conductor():
    return conductor.RouteAPI()


def _lookup(context, **ident):
    # nova-compute reaches the database only through the conductor, as
    # Nova's own remotable objects do.
    if objects_base.NovaObject.indirection_api is not None:
        return _conductor().lookup_route(context, **ident)
    return db.lookup_route(context, **ident)


@functools.cache
def router():
    """The process-wide router."""
    return Router(_lookup, conf.CONF.mixmatch.route_cache_size)
