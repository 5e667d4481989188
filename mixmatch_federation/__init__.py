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

"""What every side of Mix and Match federation shares.

Keystone-to-Keystone authentication of a home identity at a service
provider (:mod:`~mixmatch_federation.k2k`), the route that names where a
resource lives (:mod:`~mixmatch_federation.route`), the host connector
key by which a provider's Cinder knows the home cloud of an attachment
(:mod:`~mixmatch_federation.connector`) and the errors a user can act on
(:mod:`~mixmatch_federation.exception`).

It imports no Nova, no Cinder and no service's configuration:
``nova_mixmatch``, ``cinder_mixmatch`` and ``mixmatch_client`` depend on
it, and never on each other.
"""
