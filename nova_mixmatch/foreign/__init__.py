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

"""The foreign-client layer: Nova's calls to the services of K2K
service providers.

For a request context, a route (:class:`mixmatch_federation.route.Route`)
and a service (:class:`~nova_mixmatch.foreign.service.Service`), it gives a
session and endpoint at the provider and the service's client, with:

* the identity cache (:mod:`~nova_mixmatch.foreign.identities`): K2K
  identities by Keystone endpoint, thread-safe, bounded, dropped before
  their tokens expire;
* who the context is at home (:mod:`~nova_mixmatch.foreign.home`);
* the call policy (:mod:`~nova_mixmatch.foreign.calls`): re-authenticate
  once on a refused token, and one translation of foreign failures into
  Nova's errors (:mod:`~nova_mixmatch.foreign.failures`).

Cinder (:mod:`nova_mixmatch.volume`) is one user of it.
"""

import functools

from nova_mixmatch import conf
from nova_mixmatch.foreign import calls
from nova_mixmatch.foreign import identities

__all__ = ['clients']


@functools.cache
def clients() -> calls.ForeignClients:
    """The process-wide foreign clients, over one identity cache."""
    return calls.ForeignClients(
        identities.IdentityCache(conf.CONF.mixmatch.client_cache_size))
