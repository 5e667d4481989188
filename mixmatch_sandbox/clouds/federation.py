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

With three clouds (``wire_moc``), MOC's Keystone is the identity provider
``moc`` of the two others, which are its service providers ``nu`` (the
home cloud) and ``bu`` (the foreign one). The home cloud stays the
identity provider ``home`` of the foreign one, now chained: the MOC users
it federated are mapped into the projects MOC's own mapping gives them
there (``mixmatch-configure register-identity-provider
--chained-remote-domain``), so that NU's Nova reaches a MOC user's BU
volume with the NU token of that user. NU also knows the foreign cloud
as ``bu``.
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
from mixmatch_sandbox.clouds import moc
from mixmatch_sandbox import credentials
from mixmatch_sandbox import seed
from mixmatch_sandbox.services import glance
from mixmatch_sandbox.services import keystone
from mixmatch_sandbox.services import shibboleth

__all__ = ['CINDER_CALLBACK_ROLES', 'AUTHORIZATION_TTL', 'wire',
           'register_service_provider', 'unregister_service_provider',
           'service_providers', 'cinder_callbacks', 'foreign_images',
           'k2k_auth', 'k2k', 'check', 'check_chain']

# The roles of the foreign Cinder's identity at home: service for Nova's
# external events policy; admin because Nova looks the servers of events
# up in the database only within the caller's project otherwise (as for
# Cinder's own [nova] user). Admin also shows any server's volumes.
CINDER_CALLBACK_ROLES = ('service', 'admin')
#: minutes the groups NU's mapping gives a MOC user stay after the login:
#: NU asserts them onwards to BU (chained K2K)
AUTHORIZATION_TTL = 60


def wire(sb):
    log = sb.log('federation')
    three = sb.cloud_count == 3
    with sb.step('k2k: service provider %s at home' % foreign.SP_ID, log):
        register_service_provider(sb, foreign.SP_ID,
                                  description='the sandbox foreign cloud')
        if three:
            register_service_provider(sb, moc.BU,
                                      description='BU, as MOC calls it')
    with sb.step('k2k: identity provider %s at the foreign cloud'
                 % foreign.IDP_ID, log):
        # with three clouds, chained: MOC's users that home federated
        # reach the projects MOC's own mapping gives them
        _configure(sb, foreign.CLOUD, [
            'register-identity-provider', foreign.IDP_ID,
            '--remote-id', keystone.entity_id(sb, clouds.HOME),
            '--project', credentials.DEMO] + ([
                '--chained-remote-domain', moc.CLOUD,
                '--chained-local-domain', moc.CLOUD] if three else []))
    if three:
        wire_moc(sb)
    with sb.step('k2k: shibd'):
        # shibd needs the IdP metadata, which exists once the IdP is up.
        for cloud in (foreign.CLOUD, clouds.HOME)[:sb.cloud_count - 1]:
            shibboleth.shibd(sb, cloud,
                             *clouds.identity_providers(sb, cloud))
    with sb.step('k2k: demo user token at the foreign cloud', log):
        check(sb)
    if three:
        with sb.step('k2k: MOC demo at NU, then at BU from NU (chained)',
                     log):
            check_chain(sb)
    with sb.step('foreign cinder: its identity at the home Nova', log):
        cinder_callbacks(sb)
    with sb.step('foreign glance: the demo\'s image, and a private one', log):
        foreign_images(sb)


def wire_moc(sb):
    """MOC: identity provider ``moc`` of the home and foreign clouds.

    They are its service providers ``nu`` and ``bu``.
    """
    log = sb.log('federation')
    for sp_id, cloud in ((moc.NU, clouds.HOME), (moc.BU, foreign.CLOUD)):
        with sb.step('k2k: service provider %s at moc' % sp_id, log):
            register_service_provider(sb, sp_id, idp=moc.CLOUD, at=moc.CLOUD,
                                      root=sb.keystone_url(cloud, ''),
                                      description='the sandbox %s cloud'
                                                  % cloud)
        with sb.step('k2k: identity provider moc at %s' % sp_id, log):
            # NU asserts the groups its mapping gives onwards to BU
            ttl = (['--authorization-ttl', str(AUTHORIZATION_TTL)]
                   if cloud == clouds.HOME else [])
            _configure(sb, cloud, [
                'register-identity-provider', moc.CLOUD,
                '--remote-id', keystone.entity_id(sb, moc.CLOUD),
                '--project', credentials.DEMO] + ttl)


def _configure(sb, cloud, argv):
    """mixmatch-configure as the admin of cloud (clouds.yaml)."""
    sb.run([sb.bin('mixmatch-configure'), '--os-cloud',
            '%s-%s' % (cloud, credentials.ADMIN)] + argv,
           log=sb.log('federation'),
           env={'OS_CLIENT_CONFIG_FILE': str(sb.clouds_yaml())})


def register_service_provider(sb, sp_id, root=None,
                              description='mixmatch-sandbox extra provider',
                              idp=foreign.IDP_ID, at=clouds.HOME):
    """Register ``sp_id`` as a service provider of the Keystone of ``at``.

    With the K2K URLs under ``root`` (default: the foreign Keystone's
    public endpoint), where ``at`` is identity provider ``idp``.
    """
    root = root or sb.keystone_url(foreign.CLOUD, '')
    _configure(sb, at, [
        'register-service-provider', sp_id,
        '--auth-url', '%s/v3/OS-FEDERATION/identity_providers/%s/'
                      'protocols/saml2/auth' % (root, idp),
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
    keystone = sb.keystone_url(foreign.CLOUD)
    # with three clouds MOC's demo has a k2k-demo too, in domain moc
    [domain] = admin.get(keystone + '/domains', params={
        'name': foreign.IDP_ID}).json()['domains']
    [project] = admin.get(keystone + '/projects', params={
        'name': 'k2k-' + credentials.DEMO,
        'domain_id': domain['id']}).json()['projects']
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
    return k2k(home_auth, foreign.SP_ID, project, foreign.IDP_ID)


def k2k(auth, sp_id, project, domain):
    """auth's user at service provider sp_id, by K2K.

    In the project the mapping gives its home project ``project``:
    ``k2k-<project>`` of the domain ``domain``, the identity provider's
    there (or the chained one's: MOC's users reach BU from NU in domain
    ``moc``).
    """
    return v3.Keystone2Keystone(auth, sp_id, project_name='k2k-' + project,
                                project_domain_name=domain)


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


def check_chain(sb):
    """MOC's demo user reaches NU by K2K, then BU from its NU token.

    In the project that MOC's own mapping gives it at BU.

    Returns (the NU token, the chained BU token, the BU project of MOC's
    own K2K) as their Keystones describe them.
    """
    demo = credentials.password_auth(sb, moc.CLOUD, credentials.DEMO,
                                     credentials.DEMO)
    at_nu = k2k(demo, moc.NU, credentials.DEMO, moc.CLOUD)
    chained = k2k(at_nu, moc.BU, credentials.DEMO, moc.CLOUD)
    direct = k2k(demo, moc.BU, credentials.DEMO, moc.CLOUD)
    infos = []
    for auth, cloud, idp in ((at_nu, clouds.HOME, moc.CLOUD),
                             (chained, foreign.CLOUD, foreign.IDP_ID),
                             (direct, foreign.CLOUD, moc.CLOUD)):
        token = ks_session.Session(auth=auth).get_token()
        admin = credentials.admin_session(sb, cloud)
        info = admin.get(sb.keystone_url(cloud) + '/auth/tokens',
                         headers={'X-Subject-Token': token}).json()['token']
        got = info['user'].get('OS-FEDERATION', {}).get(
            'identity_provider', {}).get('id')
        if 'saml2' not in info['methods'] or got != idp:
            raise base.SandboxError('not a K2K token of %s at %s: %s'
                                    % (idp, cloud, info))
        infos.append(info)
    if infos[1]['project']['id'] != infos[2]['project']['id']:
        raise base.SandboxError(
            'chained K2K reached project %s at BU, MOC\'s own K2K %s'
            % (infos[1]['project'], infos[2]['project']))
    return infos
