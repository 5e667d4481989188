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

"""The memory of nova_mixmatch's identity cache, part of ``tox -e bench``.

Run by :mod:`mixmatch_sandbox.bench` in a process of its own per case,
which imports what a Nova process imports for it and prints JSON. One
real K2K exchange of the sandbox's demo user gives a real foreign token
(body and catalog); the cache is then filled with identities of distinct
users and projects made from it, as a compute host adopts the ones its
requests carry: each with its own token body, plugin and session.
"""

import copy
import gc
import json
import os
import sys
import uuid

from keystoneauth1 import loading as ks_loading
from nova import context as nova_context

from mixmatch_federation import k2k
from mixmatch_sandbox import base
from mixmatch_sandbox import clouds
from mixmatch_sandbox.clouds import foreign
from mixmatch_sandbox import credentials
from nova_mixmatch import conf
from nova_mixmatch.foreign import identities

#: case: (cache size, identities put in)
CASES = {'1000 identities, cache of 1000': (1000, 1000),
         '5000 identities, default cache (256)': (256, 5000)}


def rss_mib():
    gc.collect()
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def real_primitive(sb):
    """A real foreign identity of the demo user, as a request carries it."""
    conf.CONF.set_override('home_auth_url', sb.keystone_url(clouds.HOME),
                           group='mixmatch')
    home = credentials.password_auth(sb, clouds.HOME, credentials.DEMO,
                                     credentials.DEMO)
    auth = k2k.FederatedAuth(home, foreign.SP_ID)
    session = ks_loading.load_session_from_conf_options(
        conf.CONF, conf.GROUP.name, auth=auth)
    auth.get_access(session)
    return identities.FederatedIdentity(
        auth, session, home.auth_ref.expires).to_primitive()


def fill(size, count, primitive):
    cache = identities.IdentityCache(size)
    for i in range(count):
        user, project = uuid.uuid4().hex, uuid.uuid4().hex
        mine = copy.deepcopy(primitive)
        mine['body']['token']['user']['id'] = user
        context = nova_context.RequestContext(
            user, project, is_admin=False, auth_token=uuid.uuid4().hex)
        cache._store(context, foreign.SP_ID,
                     identities.FederatedIdentity.adopt(context, mine),
                     mine['project_id'])
    return cache


def main():
    size, count = CASES[sys.argv[1]]
    sb = base.Sandbox(os.environ.get('MIXMATCH_SANDBOX_DIR'))
    primitive = real_primitive(sb)
    before = rss_mib()
    cache = fill(size, count, primitive)
    added = rss_mib() - before
    cached = sum(len(k.identities) for k in cache._keystones.values())
    print(json.dumps({'rss_mib': added, 'cached': cached, 'size': size,
                      'put': count,
                      'token_body_bytes': len(json.dumps(
                          primitive['body']))}))


if __name__ == '__main__':
    main()
