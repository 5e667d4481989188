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

The same command the devstack plugin runs: the home Keystone (IdP) learns
the foreign cloud as service provider ``foreign``; the foreign Keystone
(SP) learns the home Keystone as identity provider ``home``, with the
mapping that makes each home user a member of ``k2k-<home project>``.
The foreign Cinder calls the home Nova back with an application
credential of a home user made for it.
"""

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session

from cinder_mixmatch import home_nova
from mixmatch_sandbox import base
from mixmatch_sandbox import foreign
from mixmatch_sandbox import providers

HOME_DEMO_PROJECT = 'demo'
# the nova.conf section of Nova's own identity at home
NOVA_AUTH_SECTION = 'service_user'
# The roles of the foreign Cinder's identity at home: service for Nova's
# external events policy; admin because Nova looks the servers of events
# up in the database only within the caller's project otherwise (as for
# Cinder's own [nova] user). Admin also shows any server's volumes.
CINDER_CALLBACK_ROLES = ('service', 'admin')


def wire(sb):
    log = sb.log('federation')
    env = {'OS_CLIENT_CONFIG_FILE': str(sb.path('clouds.yaml'))}
    configure = sb.bin('mixmatch-configure')
    with sb.step('k2k: service provider %s at home' % foreign.SP_ID, log):
        providers.register(sb, foreign.SP_ID,
                           description='the sandbox foreign cloud')
    with sb.step('k2k: identity provider %s at the foreign cloud'
                 % foreign.IDP_ID, log):
        sb.run([configure, '--os-cloud', 'foreign-admin',
                'register-identity-provider', foreign.IDP_ID,
                '--remote-id', sb.idp_entity_id(),
                '--project', HOME_DEMO_PROJECT],
               log=log, env=env)
    with sb.step('k2k: shibd'):
        # shibd needs the IdP metadata, which exists once home is up.
        foreign.shibd(sb)
    with sb.step('k2k: demo user token at the foreign cloud', log):
        check(sb)
    with sb.step('foreign cinder: its identity at the home Nova', log):
        cinder_callbacks(sb)


def cinder_callbacks(sb):
    """The home identity the foreign Cinder calls the home Nova as.

    A home user with CINDER_CALLBACK_ROLES on the service project, and
    its application credential, restricted by access rules to the calls
    cinder_mixmatch makes, which the foreign cinder.conf names
    ([mixmatch_home_home]).
    """
    ks = sb.keystone('home')
    project, _ = ks.ensure_named('projects', 'service',
                                 {'domain_id': 'default'})
    user, _ = ks.ensure_named(
        'users', foreign.HOME_CALLBACK_USER, {'domain_id': 'default'},
        create={'password': sb.secret('home-' + foreign.HOME_CALLBACK_USER)})
    for role in CINDER_CALLBACK_ROLES:
        ks.grant(project['id'], user['id'],
                 ks.ensure_named('roles', role, {})[0]['id'])
    # Only the user itself may make its application credentials.
    own = ks_session.Session(auth=v3.Password(
        auth_url=sb.url('keystone-home', '/v3'),
        username=foreign.HOME_CALLBACK_USER,
        password=sb.secret('home-' + foreign.HOME_CALLBACK_USER),
        project_id=project['id'], user_domain_id='default'))
    url = sb.url('keystone-home', '/v3/users/%s/application_credentials'
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
            'name': name, 'secret': sb.secret('home-' + name),
            'access_rules': rules,
            'description': 'the foreign Cinder calls the home Nova back'}})


def _rules(credential):
    return sorted((r['service'], r['method'], r['path'])
                  for r in credential.get('access_rules') or [])


def configure_nova(sb, config_file):
    """Write nova.conf [mixmatch] as the devstack plugin does.

    Nova's own identity is its [service_user] (the nova user, service
    role, project service at home): federated by K2K it becomes the
    service token the foreign Cinder wants on detach-type calls, and the
    home one never leaves home.
    """
    sb.run([sb.bin('mixmatch-configure'), 'nova',
            '--config-file', config_file,
            '--home-auth-url', sb.url('keystone-home', '/v3'),
            '--service-providers', foreign.SP_ID,
            '--auth-section', NOVA_AUTH_SECTION],
           log=sb.log('federation'))


def k2k_session(sb, user='demo', project=HOME_DEMO_PROJECT):
    """A session at the foreign cloud for a home user, by K2K."""
    home = v3.Password(
        auth_url=sb.url('keystone-home', '/v3'), username=user,
        password=sb.secret('home-' + user), project_name=project,
        user_domain_id='default', project_domain_id='default')
    return ks_session.Session(auth=v3.Keystone2Keystone(
        home, foreign.SP_ID, project_name='k2k-' + project,
        project_domain_name=foreign.IDP_ID))


def check(sb):
    """The demo user gets a foreign token through the saml2 protocol.

    Returns the token as the foreign Keystone describes it.
    """
    token = k2k_session(sb).get_token()
    admin = ks_session.Session(auth=v3.Password(
        auth_url=foreign.keystone_url(sb), username=foreign.ADMIN,
        password=sb.secret('foreign-admin'), project_name=foreign.ADMIN,
        user_domain_id='default', project_domain_id='default'))
    info = admin.get(foreign.keystone_url(sb) + '/auth/tokens',
                     headers={'X-Subject-Token': token}).json()['token']
    idp = info['user'].get('OS-FEDERATION', {}).get('identity_provider', {})
    if 'saml2' not in info['methods'] or idp.get('id') != foreign.IDP_ID:
        raise base.SandboxError(
            'the foreign token did not come through K2K: %s' % info)
    return info
