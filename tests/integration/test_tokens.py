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

"""Foreign tokens expire while a volume stays attached.

The sandbox's SP issues tokens for foreign.TOKEN_LIFE seconds. Each Nova
process drops a K2K identity that has less than k2k.MIN_TOKEN_LIFE left, and
federates once more on its next call. The SP counts the exchanges: its
Keystone logs each one, with the federated user's name.
"""

import re
import time

from mixmatch_federation import k2k
from mixmatch_sandbox.clouds import foreign
from tests.integration import base


class TestTokenExpiry(base.TestCase):

    def sp_exchanges(self, user):
        """K2K exchanges of user the SP's Keystone granted so far."""
        log = self.sb.log('keystone-foreign-uwsgi').read_text(
            errors='replace')
        return len(re.findall(
            r'\(%s\) .* GET /v3/OS-FEDERATION/identity_providers/\S+/'
            r'protocols/saml2/auth .*\(HTTP/1\.1 201\)' % re.escape(user),
            log))

    def nova_logs(self):
        return sorted(self.sb.path('logs', 'x').parent.glob('nova-*.log'))

    def nova_exchanges(self, user_id, since):
        """{Nova log: K2K exchanges of user_id logged after since}."""
        counts = {}
        for log in self.nova_logs():
            with open(log, errors='replace') as f:
                f.seek(since.get(log, 0))
                n = f.read().count('K2K exchange done for user %s '
                                   % user_id)
            if n:
                counts[log.stem] = n
        return counts

    def test_foreign_token_expires_mid_life(self):
        """Attach, let the tokens go stale, detach: one new exchange each.

        Each Nova process that calls the SP for the user federates it
        once; after the tokens went stale, once more, and only once. The
        SP saw as many exchanges as Nova logged.
        """
        user, session = self.home_user_named('member', 'demo')
        user_id = session.get_user_id()
        volume = self.volume('foreign')
        server = self.boot()

        self.attach_foreign(server, volume, session)
        self.assertForeignAttached(server, volume)
        at_attach = self.nova_exchanges(user_id, {})
        self.assertEqual(sum(at_attach.values()), self.sp_exchanges(user))
        self.assertEqual({1}, set(at_attach.values()), at_attach)

        time.sleep(foreign.TOKEN_LIFE - k2k.MIN_TOKEN_LIFE + 5)
        since = {log: log.stat().st_size for log in self.nova_logs()}
        self.assertEqual(202, self.request_detach(server, volume,
                                                  session).status_code)
        self.clients.wait_volume('foreign', volume, 'available')
        self.clients.wait(lambda: self.home_attachments(server), {},
                          'server %s attachments' % server)
        self.assertForeignAvailable(volume)
        at_detach = self.nova_exchanges(user_id, since)
        # nova-api and the compute host at least: once each, no more
        self.assertGreaterEqual(len(at_detach), 2, at_detach)
        self.assertEqual({1}, set(at_detach.values()), at_detach)
        self.assertEqual(sum(at_attach.values()) + sum(at_detach.values()),
                         self.sp_exchanges(user))
