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

"""Concurrent K2K logins of two home users at the SP.

Each must see its own projects there, whatever logs in beside it. The
SP's Keystone runs under uwsgi with several processes of several threads;
stock Keystone 30.0.0 mixes the logins up there (its auth context
middleware shares the validated token between threads), the sandbox's
patched one must not (patches/keystone/2026.2).
"""

import collections
import concurrent.futures

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session

from mixmatch_sandbox.clouds import foreign
from mixmatch_sandbox.clouds import home
from mixmatch_sandbox import credentials
from tests.integration import base

LOGINS = 400
AT_ONCE = 16


class TestConcurrentLogins(base.TestCase):

    def projects_at_sp(self, user, password, project):
        k2k = v3.Keystone2Keystone(
            credentials.password_auth(self.sb, home.CLOUD, user, project,
                                      password),
            foreign.SP_ID)
        session = ks_session.Session(auth=k2k)
        unscoped = k2k.get_unscoped_auth_ref(session)
        resp = session.get(
            self.sb.keystone_url(foreign.CLOUD) + '/auth/projects',
            headers={'X-Auth-Token': unscoped.auth_token},
            authenticated=False)
        return user, tuple(sorted(p['name'] for p in resp.json()[
            'projects']))

    def test_each_login_sees_its_own_projects(self):
        users = [('demo', self.sb.secret('home-demo'), 'demo'),
                 ('nova', self.sb.secret('home-nova'), 'service')]
        alone = dict(self.projects_at_sp(*u) for u in users)
        with concurrent.futures.ThreadPoolExecutor(AT_ONCE) as pool:
            seen = collections.Counter(pool.map(
                lambda i: self.projects_at_sp(*users[i % 2]),
                range(LOGINS)))
        self.assertEqual({item: LOGINS // 2 for item in alone.items()},
                         dict(seen))
