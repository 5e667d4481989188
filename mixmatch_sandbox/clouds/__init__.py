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

"""The sandbox's clouds, a module per role, and the K2K wiring between
them (``federation``).

A cloud's name prefixes its secrets, clouds.yaml entries and the names of
its Keystone's and Cinder's processes; it is also its K2K id: the home
cloud is identity provider ``home`` at the foreign cloud, which is service
provider ``foreign`` at home.

With three clouds (``mixmatch-sandbox up --clouds 3``) a Keystone-only
``moc`` is the users' home, the identity provider of the two others: the
home cloud plays NU (compute), a service provider of MOC, and the foreign
cloud BU (storage), a service provider of MOC and of NU (``federation``).
"""

__all__ = ['HOME', 'FOREIGN', 'MOC', 'identity_providers']

HOME = 'home'
FOREIGN = 'foreign'
MOC = 'moc'


def identity_providers(sb, cloud: str) -> tuple[str, ...]:
    """The clouds whose Keystones are identity providers of cloud's."""
    moc = (MOC,) if sb.cloud_count == 3 else ()
    return {HOME: moc, FOREIGN: (HOME,) + moc}.get(cloud, ())
