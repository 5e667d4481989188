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

"""One K2K exchange per request, and foreign tokens that expire.

nova-api federates the user; the conductor and the compute host adopt the
identity the request carries. The sandbox's SP issues tokens for
foreign.TOKEN_LIFE seconds. Each Nova process drops a K2K identity that has
less than k2k.MIN_TOKEN_LIFE left; the next request federates once more.
The SP counts the exchanges: its Keystone logs each one, with the federated
user's name.
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

    def test_one_exchange_for_a_cold_attach(self):
        """A new user's first attach: one exchange, in nova-api only."""
        user, session = self.home_user_named('member', 'demo')
        user_id = session.get_user_id()
        volume = self.volume('foreign')
        server = self.boot()
        self.attach_foreign(server, volume, session)
        self.assertForeignAttached(server, volume)
        self.assertEqual({'nova-api': 1}, self.nova_exchanges(user_id, {}))
        self.assertEqual(1, self.sp_exchanges(user))
        self.assertEqual(202, self.request_detach(server, volume,
                                                  session).status_code)
        self.clients.wait_volume('foreign', volume, 'available')
        self.assertEqual({'nova-api': 1}, self.nova_exchanges(user_id, {}))
        self.assertEqual(1, self.sp_exchanges(user))

    def test_foreign_token_expires_mid_life(self):
        """Attach, let the tokens go stale, detach: one new exchange.

        nova-api federates the user once; after the tokens went stale, once
        more, and only once: the compute host adopts it. The SP saw as many
        exchanges as Nova logged.
        """
        user, session = self.home_user_named('member', 'demo')
        user_id = session.get_user_id()
        volume = self.volume('foreign')
        server = self.boot()

        self.attach_foreign(server, volume, session)
        self.assertForeignAttached(server, volume)
        at_attach = self.nova_exchanges(user_id, {})
        self.assertEqual({'nova-api': 1}, at_attach)
        self.assertEqual(1, self.sp_exchanges(user))

        time.sleep(foreign.TOKEN_LIFE - k2k.MIN_TOKEN_LIFE + 5)
        since = {log: log.stat().st_size for log in self.nova_logs()}
        self.assertEqual(202, self.request_detach(server, volume,
                                                  session).status_code)
        self.clients.wait_volume('foreign', volume, 'available')
        self.clients.wait(lambda: self.home_attachments(server), {},
                          'server %s attachments' % server)
        self.assertForeignAvailable(volume)
        self.assertEqual({'nova-api': 1},
                         self.nova_exchanges(user_id, since))
        self.assertEqual(2, self.sp_exchanges(user))
