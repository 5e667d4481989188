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

"""A cloud's memcached, for a service that runs several processes.

Keystone keeps its token and assignment caches there, so that a change
one of its processes makes (a revoked token, a new assignment) is seen by
the others. One per cloud, on its own port: the machine's memcached, if
any, is left alone.
"""

from mixmatch_sandbox import base
from mixmatch_sandbox import services

__all__ = ['name', 'server', 'start']


def name(cloud: str) -> str:
    return services.name('memcached', cloud)


def server(sb, cloud: str) -> str:
    """host:port, as oslo.cache's ``memcache_servers`` takes it."""
    return sb.address(name(cloud))


def start(sb, cloud: str) -> None:
    """cloud's memcached, started and accepting connections."""
    if sb.running(name(cloud)):
        return
    port = sb.ports[name(cloud)]
    sb.start(name(cloud), ['memcached', '-l', base.HOST, '-p', port,
                           '-U', '0', '-m', '64', '-u', 'nobody'])
    sb.wait_until(lambda: base.listening(port), 'memcached',
                  name=name(cloud))
