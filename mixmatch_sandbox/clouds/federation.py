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

"""K2K between the two clouds, for real, through mixmatch-configure.

The same commands the devstack plugin runs: the home Keystone (IdP) learns
the foreign cloud as service provider ``foreign``; the foreign Keystone
(SP) learns the home Keystone as identity provider ``home``, with the
mapping that makes each home user a member of ``k2k-<home project>``.
The foreign Cinder calls the home Nova back with an application
credential of a home user made for it.

More service providers can be registered at home, for the CLI tests and
the provider list benchmark: distinct ids that all point at the one
foreign deployment, or a provider whose endpoints refuse connections.
"""

import contextlib
import os
import socket

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session

from cinder_mixmatch import home_nova
from mixmatch_sandbox import base
from mixmatch_sandbox import clouds
from mixmatch_sandbox.clouds import foreign
from mixmatch_sandbox import credentials
from mixmatch_sandbox import seed
from mixmatch_sandbox.services import glance
from mixmatch_sandbox.services import keystone
from mixmatch_sandbox.services import shibboleth

__all__ = ['CINDER_CALLBACK_ROLES', 'wire', 'register_service_provider',
           'unregister_service_provider', 'service_providers',
           'cinder_callbacks', 'foreign_images', 'k2k_auth', 'check']

# The roles of the foreign Cinder's identity at home: service for Nova's
# external events policy; admin because Nova looks the servers of events
# up in the database only within the caller's project otherwise (as for
# Cinder's own [nova] user). Admin also shows any server's volumes.
CINDER_CALLBACK_ROLES = ('service', 'admin')


def wire(sb):
    log = sb.log('federation')
    with sb.step('k2k: service provider %s at home' % foreign.SP_ID, log):
        register_service_provider(sb, foreign.SP_ID,
                                  description='the sandbox foreign cloud')
    with sb.step('k2k: identity provider %s at the foreign cloud'
                 % foreign.IDP_ID, log):
        _configure(sb, foreign.CLOUD, [
            'register-identity-provider', foreign.IDP_ID,
            '--remote-id', keystone.entity_id(sb, clouds.HOME),
            '--project', credentials.DEMO])
    with sb.step('k2k: shibd'):
        # shibd needs the IdP metadata, which exists once home is up.
        shibboleth.shibd(sb, foreign.CLOUD, foreign.IDP_ID)
    with sb.step('k2k: demo user token at the foreign cloud', log):
        check(sb)
    with sb.step('foreign cinder: its identity at the home Nova', log):
        cinder_callbacks(sb)
    with sb.step('foreign glance: the demo\'s image, and a private one', log):
        foreign_images(sb)


def _configure(sb, cloud, argv):
    """mixmatch-configure as the admin of cloud (clouds.yaml)."""
    sb.run([sb.bin('mixmatch-configure'), '--os-cloud',
            '%s-%s' % (cloud, credentials.ADMIN)] + argv,
           log=sb.log('federation'),
           env={'OS_CLIENT_CONFIG_FILE': str(sb.clouds_yaml())})


def register_service_provider(sb, sp_id, root=None,
                              description='mixmatch-sandbox extra provider'):
    """Register ``sp_id`` as a service provider of the home Keystone.

    With the foreign cloud's K2K URLs under ``root`` (default: the foreign
    Keystone's public endpoint).
    """
    root = root or sb.keystone_url(foreign.CLOUD, '')
    _configure(sb, clouds.HOME, [
        'register-service-provider', sp_id,
        '--auth-url', '%s/v3/OS-FEDERATION/identity_providers/%s/'
                      'protocols/saml2/auth' % (root, foreign.IDP_ID),
        '--sp-url', root + '/Shibboleth.sso/SAML2/ECP',
        '--description', description])


def unregister_service_provider(sb, sp_id):
    resp = sb.keystone(clouds.HOME).client.delete(
        '/OS-FEDERATION/service_providers/' + sp_id, raise_exc=False)
    if resp.status_code not in (204, 404):
        raise base.SandboxError('deleting service provider %s: %d %s'
                                % (sp_id, resp.status_code, resp.text))


@contextlib.contextmanager
def service_providers(sb, sp_ids, down=False):
    """More service providers ``sp_ids`` registered for the duration.

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
            stack.callback(unregister_service_provider, sb, sp_id)
            register_service_provider(sb, sp_id, root)
        yield list(sp_ids)


def cinder_callbacks(sb):
    """The home identity the foreign Cinder calls the home Nova as.

    A home user with CINDER_CALLBACK_ROLES on the service project, and
    its application credential, restricted by access rules to the calls
    cinder_mixmatch makes, which the foreign cinder.conf names
    ([mixmatch_home_home]).
    """
    home = clouds.HOME
    user = seed.ensure_user(sb.keystone(home), sb, home,
                            foreign.HOME_CALLBACK_USER,
                            credentials.SERVICE_PROJECT,
                            CINDER_CALLBACK_ROLES)
    # Only the user itself may make its application credentials.
    own = ks_session.Session(auth=credentials.password_auth(
        sb, home, foreign.HOME_CALLBACK_USER, credentials.SERVICE_PROJECT))
    url = sb.keystone_url(home, '/v3/users/%s/application_credentials'
                          % user['id'])
    name = foreign.HOME_CALLBACK_CREDENTIAL
    found = own.get(url, params={'name': name}).json()[
        'application_credentials']
    rules = home_nova.access_rules()
    # A credential keeps the roles and rules it was made with.
    if found and ({r['name'] for r in found[0]['roles']} != set(
            CINDER_CALLBACK_ROLES) or _rules(found[0]) != _rules(
                {'access_rules': rules})):
        own.delete(url + '/' + found[0]['id'])
        found = []
    if not found:
        own.post(url, json={'application_credential': {
            'name': name, 'secret': credentials.secret(sb, home, name),
            'access_rules': rules,
            'description': 'the foreign Cinder calls the home Nova back'}})


def foreign_images(sb):
    """The foreign cloud's images (random bytes, idempotently).

    seed.FOREIGN_IMAGE belongs to the project that the mapping gives the
    home demo project (which exists once wire() registered the identity
    provider); seed.FOREIGN_PRIVATE_IMAGE to the foreign admin's project,
    which the home demo user cannot see.
    """
    admin = credentials.admin_session(sb, foreign.CLOUD)
    [project] = admin.get(
        sb.keystone_url(foreign.CLOUD) + '/projects',
        params={'name': 'k2k-' + credentials.DEMO}).json()['projects']
    images = glance.images_url(sb, foreign.CLOUD)
    seed.ensure_image(admin, images, seed.FOREIGN_IMAGE,
                      owner=project['id'], data=os.urandom(512 * 1024))
    seed.ensure_image(admin, images, seed.FOREIGN_PRIVATE_IMAGE,
                      owner=admin.get_project_id(),
                      data=os.urandom(64 * 1024))


def _rules(credential):
    return sorted((r['service'], r['method'], r['path'])
                  for r in credential.get('access_rules') or [])


def k2k_auth(home_auth, project=credentials.DEMO):
    """A home user's plugin at the foreign cloud, by K2K.

    Scoped to the project that the mapping gives the home project
    (mixmatch-configure's default: ``k2k-<project>``).
    """
    return v3.Keystone2Keystone(
        home_auth, foreign.SP_ID, project_name='k2k-' + project,
        project_domain_name=foreign.IDP_ID)


def check(sb):
    """The demo user gets a foreign token through the saml2 protocol.

    Returns the token as the foreign Keystone describes it.
    """
    demo = credentials.password_auth(sb, clouds.HOME, credentials.DEMO,
                                     credentials.DEMO)
    token = ks_session.Session(auth=k2k_auth(demo)).get_token()
    admin = credentials.admin_session(sb, foreign.CLOUD)
    info = admin.get(sb.keystone_url(foreign.CLOUD) + '/auth/tokens',
                     headers={'X-Subject-Token': token}).json()['token']
    idp = info['user'].get('OS-FEDERATION', {}).get('identity_provider', {})
    if 'saml2' not in info['methods'] or idp.get('id') != foreign.IDP_ID:
        raise base.SandboxError(
            'the foreign token did not come through K2K: %s' % info)
    return info
