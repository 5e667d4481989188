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

"""Service providers in the home Keystone: the sandbox's foreign cloud,
and more for the CLI tests and the provider list benchmark: distinct ids
that all point at the one foreign deployment, or a provider whose
endpoints refuse connections (down)."""

import contextlib
import socket

from mixmatch_sandbox import base
from mixmatch_sandbox import foreign


def register(sb, sp_id, root=None,
             description='mixmatch-sandbox extra provider'):
    """Register ``sp_id`` as a service provider of the home Keystone.

    With the foreign cloud's K2K URLs under ``root`` (default: the foreign
    Keystone's public endpoint).
    """
    root = root or foreign.keystone_url(sb, '')
    sb.run([sb.bin('mixmatch-configure'), '--os-cloud', 'home-admin',
            'register-service-provider', sp_id,
            '--auth-url', '%s/v3/OS-FEDERATION/identity_providers/%s/'
                          'protocols/saml2/auth' % (root, foreign.IDP_ID),
            '--sp-url', root + '/Shibboleth.sso/SAML2/ECP',
            '--description', description],
           log=sb.log('federation'),
           env={'OS_CLIENT_CONFIG_FILE': str(sb.path('clouds.yaml'))})


def unregister(sb, sp_id):
    resp = sb.keystone('home').client.delete(
        '/OS-FEDERATION/service_providers/' + sp_id, raise_exc=False)
    if resp.status_code not in (204, 404):
        raise base.SandboxError('deleting service provider %s: %d %s'
                                % (sp_id, resp.status_code, resp.text))


@contextlib.contextmanager
def registered(sb, sp_ids, down=False):
    """``sp_ids`` registered for the duration.

    ``down``: every connection to them is refused (a port bound, never
    listening).
    """
    with contextlib.ExitStack() as stack:
        root = None
        if down:
            closed = stack.enter_context(socket.socket())
            closed.bind((base.HOST, 0))
            root = 'http://%s:%d' % closed.getsockname()
        for sp_id in sp_ids:
            stack.callback(unregister, sb, sp_id)
            register(sb, sp_id, root)
        yield list(sp_ids)
