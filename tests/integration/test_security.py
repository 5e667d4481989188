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

"""Security: no token in any log; no home service token at the SP.

Both tests first run a cross-cloud attach and detach, so that every
service on the way (home Nova, the foreign Keystone behind Apache and
mod_shib, the foreign Cinder) logs its traffic.
"""

import configparser
import json
import re
import stat

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session

from mixmatch_sandbox.clouds import federation
from mixmatch_sandbox.clouds import foreign
from mixmatch_sandbox.clouds import home
from mixmatch_sandbox.services import nova
from tests.integration import base

# A Fernet token (Keystone's token provider in both clouds): version byte
# 0x80 and a 64-bit timestamp, base64url encoded, then ~150+ characters.
FERNET = re.compile(rb'gAAAAA[A-Za-z0-9_=-]{100,}')

# What the foreign Keystone writes when a token fails validation: the
# uwsgi request line of a validation (GET/HEAD /v3/auth/tokens) answered
# 404; at debug level keystone's own "Could not find token" (TokenNotFound);
# a token refused as X-Auth-Token ("Authorization failed").
VALIDATION_FAILURE = re.compile(
    rb'/v3/auth/tokens\S* => generated .*\(HTTP/1\.[01] 404\)'
    rb'|Could not find token|TokenNotFound|Authorization failed')

MIN_LOG_BYTES = 100 * 1024


class TestSecurity(base.TestCase):

    # the run

    def round_trip(self):
        """A cross-cloud attach and detach, as the home demo user."""
        server, volume = self.attached_server()
        self.clients.detach(server, volume)
        self.clients.wait_volume('foreign', volume, 'available')
        self.clients.wait(lambda: self.home_attachments(server), {},
                          'server %s attachments' % server)
        self.assertForeignAvailable(volume)
        # the logs scanned below hold the detach: the compute host's
        # driver detach, whichever host the server is on
        marker = ('Attempting to driver detach volume %s' % volume).encode()
        computes = [self.sb.log(nova.compute_name(home.CLOUD, host))
                    for host in home.COMPUTE_HOSTS]
        self.clients.wait(
            lambda: any(marker in log.read_bytes() for log in computes),
            True, 'the detach of %s in %s' % (volume, computes))

    # tokens

    def nova_auth(self):
        """Nova's own identity at home: [service_user] of the nova.conf."""
        conf = configparser.ConfigParser(interpolation=None)
        conf.read(nova.config_path(self.sb, home.CLOUD))
        user = conf[nova.MIXMATCH_AUTH_SECTION]
        return v3.Password(
            auth_url=user['auth_url'], username=user['username'],
            password=user['password'], project_name=user['project_name'],
            user_domain_name=user['user_domain_name'],
            project_domain_name=user['project_domain_name'])

    def nova_tokens(self):
        """(home token, K2K token at the SP) of Nova's own identity.

        Obtained as Nova does: password at home, then Keystone2Keystone.
        """
        nova_auth = self.nova_auth()
        home_token = nova_auth.get_token(ks_session.Session())
        k2k = federation.k2k_auth(nova_auth, 'service')
        return home_token, k2k.get_token(ks_session.Session())

    # logs

    def log_files(self):
        """Every file of the sandbox's logs dir, and Apache's own logs.

        shibd and mod_shib log to stderr: logs/shibd-foreign.log and
        Apache's error log.
        """
        logs = self.sb.log('x').parent
        apache = self.sb.path('state', 'apache2-foreign', 'logs', 'x').parent
        files = sorted(p for d in (logs, apache) for p in d.rglob('*')
                       if p.is_file())
        names = {p.name for p in files}
        for name in ('keystone-foreign-uwsgi.log', 'shibd-foreign.log',
                     'nova-api.log', 'nova-compute1.log',
                     'cinder-foreign.log', 'access.log', 'error.log'):
            self.assertIn(name, names)
        return files

    def test_no_token_in_any_log(self):
        self.round_trip()
        c = self.clients
        nova_home, nova_foreign = self.nova_tokens()
        tokens = {
            # the tokens this test's requests carried
            'home demo user': c.home.get_token(),
            'demo user K2K at the SP': c.foreign.get_token(),
            'SP admin': c.foreign_admin.get_token(),
            # Nova's own, as Nova gets them
            'home [service_user] nova': nova_home,
            'nova [service_user] K2K at the SP': nova_foreign,
        }
        for what, token in tokens.items():
            self.assertTrue(FERNET.fullmatch(token.encode()),
                            '%s token is not a Fernet token' % what)

        read = 0
        found = []
        shaped = []
        for path in self.log_files():
            data = path.read_bytes()
            read += len(data)
            found += ['%s token in %s' % (what, path)
                      for what, token in tokens.items()
                      if token.encode() in data]
            # Nova's tokens of the run itself (a password or K2K auth
            # issues a new Fernet token each time, so the ones above are
            # not byte-equal to them): no Fernet token at all, of anyone
            shaped += ['%s: %s...' % (path, m.group()[:16].decode())
                       for m in FERNET.finditer(data)]
        self.assertGreater(read, MIN_LOG_BYTES,
                           'only %d bytes of logs read' % read)
        self.assertEqual([], found)
        self.assertEqual([], shaped)

    # secrets

    def generated_secrets(self):
        """{name: value} of every secret the sandbox generated.

        The service and admin passwords, the MariaDB and RabbitMQ ones,
        the foreign Cinder's application credential: secrets.json has
        them all.
        """
        found = json.loads(self.sb.path('secrets.json').read_text())
        for name in ('mariadb', 'rabbitmq', 'home-admin', 'home-nova',
                     'home-demo', 'foreign-admin', 'foreign-cinder',
                     'home-' + foreign.HOME_CALLBACK_CREDENTIAL):
            self.assertIn(name, found)
        return found

    def state_files(self):
        """Every file of the state directory but the venv's."""
        return [p for p in self.sb.dir.rglob('*')
                if p.is_file() and self.sb.venv not in p.parents]

    # it reads every file of the state directory, where other tests'
    # servers' disks come and go
    @base.alone
    def test_secrets_only_where_they_belong(self):
        """No secret in a log; a file holding one is root's only."""
        self.round_trip()
        secrets = self.generated_secrets()
        logs = set(self.log_files())
        in_logs, readable = [], []
        holders = 0
        for path in self.state_files():
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                # a disk of a server deleted meanwhile (this test's own)
                continue
            held = sorted(name for name, value in secrets.items()
                          if value.encode() in data)
            if not held:
                continue
            holders += 1
            if path in logs:
                in_logs.append('%s: %s' % (path, ', '.join(held)))
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                readable.append('%s (%o): %s' % (path, mode,
                                                 ', '.join(held)))
        # the configs, secrets.json and clouds.yaml hold them
        self.assertGreater(holders, 10)
        self.assertEqual([], in_logs)
        self.assertEqual([], readable)
        # and nobody else lists the state directory or reads a log
        self.assertEqual(0, stat.S_IMODE(self.sb.dir.stat().st_mode) & 0o066)
        for log_dir in {p.parent for p in logs}:
            self.assertEqual(
                0o700, stat.S_IMODE(log_dir.stat().st_mode), log_dir)

    def test_home_service_token_never_reaches_the_sp(self):
        """Shown from the SP side, by its Keystone.

        The foreign Cinder's keystonemiddleware has the foreign Keystone
        validate every token it receives, as user or service token. A
        token issued at home cannot be valid there: had Nova sent its home
        token to the SP, that Keystone would have logged a failed
        validation.
        """
        log = self.sb.log('keystone-foreign-uwsgi')
        start = log.stat().st_size
        self.round_trip()
        end = log.stat().st_size
        with open(log, 'rb') as f:
            f.seek(start)
            during = f.read(end - start)
        # the foreign Keystone did serve the run: K2K and validations
        self.assertRegex(during, rb'GET /v3/auth/tokens => .*HTTP/1\.1 200')
        k2k = '/v3/OS-FEDERATION/identity_providers/%s/protocols/saml2/auth'
        self.assertIn((k2k % foreign.IDP_ID).encode(), during)
        self.assertEqual([], VALIDATION_FAILURE.findall(during))

        # The SP refuses Nova's home token, and accepts Nova's K2K token.
        nova_home, nova_foreign = self.nova_tokens()
        admin = self.clients.foreign_admin
        url = self.sb.keystone_url(foreign.CLOUD) + '/auth/tokens'
        resp = admin.get(url, headers={'X-Subject-Token': nova_home},
                         raise_exc=False)
        self.assertEqual(404, resp.status_code, resp.text)
        resp = admin.get(url, headers={'X-Subject-Token': nova_foreign},
                         raise_exc=False)
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertIn('service', [r['name'] for r in
                                  resp.json()['token']['roles']])

        # and that refusal is what the log scan above would have caught
        def refused():
            with open(log, 'rb') as f:
                f.seek(end)
                return bool(VALIDATION_FAILURE.search(f.read()))
        self.clients.wait(refused, True, 'the refusal in %s' % log,
                          timeout=10)
