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

"""The routes of an instance's foreign volumes and image, in its
system_metadata.

One key per volume, ``mixmatch_<volume id>``, whose value is the route as
JSON; and one per foreign image a server was built from,
``mixmatch-image_<image id>`` (a prefix of its own: the image is not one
of the server's volumes). system_metadata travels with the instance in
every RPC, follows it through moves, is hidden from guests and needs no
schema change.
"""

import typing

from mixmatch_federation import route

__all__ = ['PREFIX', 'IMAGE_PREFIX', 'key', 'image_key', 'routes']

PREFIX = 'mixmatch_'
IMAGE_PREFIX = 'mixmatch-image_'


def key(volume_id: str) -> str:
    """The system_metadata key that records where ``volume_id`` lives."""
    return PREFIX + volume_id


def image_key(image_id: str) -> str:
    """The system_metadata key that records where ``image_id`` lives."""
    return IMAGE_PREFIX + image_id


def routes(system_metadata: typing.Mapping[str, str],
           volume_ids: typing.Iterable[str]) -> dict[str, route.Route]:
    """{volume id: route} of those of ``volume_ids`` that are foreign."""
    found = {}
    for volume_id in volume_ids:
        value = system_metadata.get(key(volume_id))
        if value:
            found[volume_id] = route.Route.from_json(value)
    return found
