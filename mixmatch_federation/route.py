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

"""Where a resource lives: a service provider and the project used there.

The home cloud has no route (None). A route is a plain value: it crosses
the message bus as a primitive and is stored as JSON.
"""

import dataclasses
import json
import typing

__all__ = ['Route']


@dataclasses.dataclass(frozen=True)
class Route:
    """A foreign cloud: a K2K service provider and the project used there.

    :param service_provider: the service provider id, as the home Keystone
        registers it (``openstack service provider list``).
    :param project_id: the project at the service provider.
    """

    service_provider: str
    project_id: str

    def to_primitive(self) -> dict[str, str]:
        return dataclasses.asdict(self)

    @classmethod
    def from_primitive(cls, primitive: typing.Mapping[str, str]) -> 'Route':
        return cls(**primitive)

    def to_json(self) -> str:
        return json.dumps(self.to_primitive(), sort_keys=True)

    @classmethod
    def from_json(cls, value: str) -> 'Route':
        return cls.from_primitive(json.loads(value))
