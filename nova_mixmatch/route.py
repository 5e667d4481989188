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

"""Where a volume lives: the home cloud or a K2K service provider."""

import dataclasses

from oslo_serialization import jsonutils

#: instance system_metadata key prefix; the volume id completes the key.
SYSMETA_PREFIX = 'mixmatch_'
#: The connector key naming the home cloud of a foreign attachment: its
#: identity provider id at the service provider. The foreign Cinder stores
#: connectors as given; cinder_mixmatch reads it back to call that cloud.
CONNECTOR_HOME_KEY = 'mixmatch_home'


@dataclasses.dataclass(frozen=True)
class Route:
    """A foreign cloud: a service provider and the project used there."""

    service_provider: str
    project_id: str

    def to_primitive(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_primitive(cls, primitive):
        return cls(**primitive)

    def to_sysmeta(self):
        return jsonutils.dumps(self.to_primitive(), sort_keys=True)

    @classmethod
    def from_sysmeta(cls, value):
        return cls.from_primitive(jsonutils.loads(value))


def sysmeta_key(volume_id):
    """The system_metadata key that records where ``volume_id`` lives."""
    return SYSMETA_PREFIX + volume_id
