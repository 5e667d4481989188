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

"""MOC, the users' home with three clouds: a Keystone and nothing else.

It is the K2K identity provider of the two providers: NU (the home cloud
of the two-cloud sandbox, its compute) and BU (the foreign cloud, its
storage). Its demo user has a password here only.
"""

from mixmatch_sandbox import clouds
from mixmatch_sandbox import credentials
from mixmatch_sandbox import seed
from mixmatch_sandbox.services import keystone

__all__ = ['CLOUD', 'NU', 'BU', 'up']

CLOUD = clouds.MOC
#: the service provider ids, at MOC, of the compute and of the storage
#: provider; NU knows BU by the same id
NU = 'nu'
BU = 'bu'


def up(sb):
    keystone.identity_provider(sb, CLOUD)
    with sb.step('moc: the demo user and project'):
        seed.ensure_user(sb.keystone(CLOUD), sb, CLOUD, credentials.DEMO,
                         credentials.DEMO, ['member'])
