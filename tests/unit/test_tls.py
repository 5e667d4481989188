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

"""TLS to the home Keystone and the service providers: verified by default.

The HTTP double serves HTTPS with a certificate of a private CA made here
with openssl.
"""

import pathlib
import ssl
import subprocess

import fixtures

from mixmatch_federation import exception
from mixmatch_federation import route
from tests.doubles import cloud
from tests.unit import base
from tests.unit import test_foreign

ROUTE = route.Route('sp1', 'k2k-home-project')


def make_ca_and_server_cert(directory):
    """A private CA and a certificate for 127.0.0.1 signed by it."""
    d = pathlib.Path(directory)

    def openssl(*args):
        subprocess.run(('openssl',) + args, cwd=d, check=True,
                       capture_output=True)

    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
            '-subj', '/CN=mixmatch test CA', '-keyout', 'ca.key',
            '-out', 'ca.pem')
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1',
            '-keyout', 'server.key', '-out', 'server.csr')
    (d / 'san.ext').write_text('subjectAltName = IP:127.0.0.1\n')
    openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem',
            '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1',
            '-extfile', 'san.ext', '-out', 'server.pem')
    return d / 'ca.pem', d / 'server.pem', d / 'server.key'


class TLSTest(base.TestCase):

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(fixtures.TempDir()).path
        self.ca, cert, key = make_ca_and_server_cert(tmp)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.cloud = self.useFixture(cloud.CloudDouble(
            service_providers=('sp1',), ssl_context=context))
        self.assertTrue(self.cloud.home_auth_url.startswith('https://'))
        self.flags(enabled=True, home_auth_url=self.cloud.home_auth_url)
        self.context = base.CloudTestCase.user_context(self)

    def test_unknown_ca_is_refused_by_default(self):
        identities = test_foreign.foreign_clients().identities
        e = self.assertRaises(exception.ForeignAuthFailed,
                              identities.resolve, self.context, 'sp1')
        self.assertIn('CERTIFICATE_VERIFY_FAILED', str(e))
        self.assertEqual(0, self.cloud.ecp_exchanges['sp1'])

    def test_private_ca_given_as_cafile(self):
        self.flags(cafile=str(self.ca))
        volume_id = self.cloud.create_volume('sp1', ROUTE.project_id)
        foreign = test_foreign.foreign_clients()
        self.assertEqual(ROUTE, foreign.identities.resolve(self.context,
                                                           'sp1'))
        client = foreign.client(self.context, ROUTE, test_foreign.CINDER)
        self.assertEqual(volume_id, client.volumes.get(volume_id).id)
        self.assertEqual(str(self.ca), client.client.session.verify)
        self.assertEqual(1, self.cloud.ecp_exchanges['sp1'])
