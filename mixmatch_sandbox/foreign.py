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

"""The foreign cloud: a storage-only cloud, the K2K service provider.

Keystone runs as operators deploy a SAML service provider: the WSGI app
under uwsgi (several processes of several threads, sharing a memcached),
behind Apache with mod_shib and mod_proxy_uwsgi, and shibd consuming the
assertions of the home Keystone. Cinder (api, scheduler, volume on the
fake driver) registers in this Keystone's catalog. There is no Nova here.
"""

import pathlib
import shutil
import string
import time

from mixmatch_sandbox import base
from mixmatch_sandbox import volumes

CLOUD = 'foreign'
REGION = 'RegionOne'
ADMIN = 'admin'
CINDER_USER = 'cinder'
TEMPLATES = pathlib.Path(__file__).resolve().parent / 'templates'
# The K2K identity provider id of the home cloud at this service provider,
# and this service provider's id at the home cloud.
IDP_ID = 'home'
SP_ID = 'foreign'
# Tokens of the foreign Keystone live 150 s, so that the tests see Nova's
# K2K identities expire and be replaced: mixmatch drops one with less than
# two minutes to live (mixmatch_federation.k2k.MIN_TOKEN_LIFE).
TOKEN_LIFE = 150
# The home user and application credential (in the home Keystone) the
# foreign Cinder calls the home Nova back as (federation.wire makes them).
HOME_CALLBACK_USER = 'foreign-cinder'
HOME_CALLBACK_CREDENTIAL = 'foreign-cinder-callbacks'
# A second backend, so that a volume has somewhere to migrate to.
SPARE_BACKEND = 'fake2'


def up(sb):
    keystone(sb)
    cinder(sb)


def keystone_url(sb, path='/v3'):
    """The public Keystone endpoint: the Apache front."""
    return sb.url('keystone-foreign', path)


def render(template, path, **values):
    """Fill a template of templates/ (``${name}``) into path."""
    text = (TEMPLATES / template).read_text()
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(string.Template(text).substitute(
        {k: str(v) for k, v in values.items()}))
    return path


# Keystone, the service provider

def keystone(sb):
    etc = sb.path('etc', 'keystone-foreign', 'x').parent
    conf = etc / 'keystone.conf'
    log = sb.log('keystone-foreign-setup')
    with sb.step('foreign keystone: memcached'):
        _memcached(sb)
    if not sb.running('keystone-foreign-uwsgi'):
        with sb.step('foreign keystone: config, db sync, bootstrap', log):
            _keystone_conf(sb, conf, etc)
            manage = [sb.bin('keystone-manage'), '--config-file', conf]
            sb.run(manage + ['db_sync'], log=log)
            for what in ('fernet_setup', 'credential_setup'):
                sb.run(manage + [what, '--keystone-user', 'root',
                                 '--keystone-group', 'root'], log=log)
            sb.run(manage + [
                'bootstrap', '--bootstrap-password',
                sb.secret('foreign-admin'),
                '--bootstrap-admin-url', keystone_url(sb),
                '--bootstrap-internal-url', keystone_url(sb),
                '--bootstrap-public-url', keystone_url(sb),
                '--bootstrap-region-id', REGION], log=log)
        with sb.step('foreign keystone: uwsgi'):
            _uwsgi(sb)
    with sb.step('foreign keystone: shibd'):
        shibd(sb)
    with sb.step('foreign keystone: apache2 + mod_shib'):
        _apache(sb)
        sb.wait_http(keystone_url(sb), name='keystone-foreign-uwsgi')


def _keystone_conf(sb, conf, etc):
    keys = sb.path('state', 'keystone-foreign', 'x').parent
    sb.write_ini(conf, {
        'DEFAULT': {'use_stderr': True},
        'database': {'connection': sb.database_url('keystone_foreign')},
        # Without a cache every token validation costs ~170 ms here. One
        # cache for every uwsgi process: a change made in one (a revoked
        # token, a new assignment) is seen by the others.
        'cache': {'enabled': True, 'backend': 'dogpile.cache.pymemcache',
                  'memcache_servers': _memcached_server(sb)},
        # saml2: the federation protocol of K2K; mapped: other protocols.
        'auth': {'methods': 'password,token,mapped,saml2,'
                            'application_credential'},
        # The attribute in which mod_shib names the asserting IdP (its
        # entity id); keystone matches it against the IdP's remote ids.
        'federation': {'remote_id_attribute': 'Shib-Identity-Provider'},
        'token': {'expiration': TOKEN_LIFE},
        'fernet_tokens': {'key_repository': keys / 'fernet-keys'},
        'fernet_receipts': {'key_repository': keys / 'fernet-keys'},
        'credential': {'key_repository': keys / 'credential-keys'},
    })


def _uwsgi(sb):
    wsgi = sb.keystone_wsgi(CLOUD)
    sb.start('keystone-foreign-uwsgi', [
        sb.bin('uwsgi'),
        # uwsgi protocol for mod_proxy_uwsgi, on loopback only
        '--socket', '%s:%d' % (base.HOST,
                               sb.ports['keystone-foreign-uwsgi']),
        '--wsgi-file', wsgi, '--need-app',
        # As a provider serves many users at once: several processes of
        # several threads (Keystone patched, see patches/keystone).
        '--master', '--processes', '2', '--threads', '4',
        '--die-on-term',
        # mod_shib passes every SAML attribute as a request variable
        '--buffer-size', '65535',
        '--procname-prefix', 'mixmatch-keystone-foreign-'])


def _memcached_server(sb):
    return '%s:%d' % (base.HOST, sb.ports['memcached-foreign'])


def _memcached(sb):
    """The foreign Keystone's cache: this sandbox's own memcached."""
    if sb.running('memcached-foreign'):
        return
    port = sb.ports['memcached-foreign']
    sb.start('memcached-foreign', [
        'memcached', '-l', base.HOST, '-p', port, '-U', '0', '-m', '64',
        '-u', 'nobody'])
    _wait_until(lambda: base.listening(port), 'memcached',
                sb.log('memcached-foreign'),
                alive=lambda: sb.running('memcached-foreign'))


def _shib_dir(sb):
    return sb.path('etc', 'shibboleth-foreign', 'x').parent


def shibd(sb):
    shib = _shib_dir(sb)
    idp_metadata = sb.path('etc', 'keystone-home', 'saml',
                           'idp_metadata.xml')
    render('shibboleth2.xml', shib / 'shibboleth2.xml',
           shib_dir=shib, sp_base_url=keystone_url(sb, ''),
           idp_entity_id=sb.idp_entity_id(), idp_metadata=idp_metadata)
    render('shib.logger', shib / 'shibd.logger', level='INFO')
    render('shib.logger', shib / 'native.logger', level='WARN')
    shutil.copy(TEMPLATES / 'attribute-map.xml', shib / 'attribute-map.xml')
    if not (shib / 'sp-key.pem').exists():
        # The SP's own key pair (metadata, encryption): self-signed, like
        # shib-keygen makes it, but here.
        sb.run(['openssl', 'req', '-x509', '-newkey', 'rsa:3072', '-nodes',
                '-days', '3650', '-subj', '/CN=' + base.HOST,
                '-keyout', shib / 'sp-key.pem',
                '-out', shib / 'sp-cert.pem'], log=sb.log('shibd-foreign'))
    if sb.running('shibd-foreign'):
        return
    if not idp_metadata.exists():
        # shibd reads the IdP metadata at start: wait for the home
        # Keystone (federation.wire starts shibd then).
        return
    # -F: foreground, so mixmatch-sandbox owns the process (it then writes
    # no pidfile); -f: drop a stale socket of a previous run.
    sb.start('shibd-foreign', ['shibd', '-F', '-f', '-c',
                               shib / 'shibboleth2.xml',
                               '-p', shib / 'shibd.pid'])
    # The socket is what mod_shib needs; its appearance means shibd has
    # loaded the config and the metadata.
    _wait_until(lambda: (shib / 'shibd.sock').exists(), 'shibd socket',
                sb.log('shibd-foreign'), alive=lambda: sb.running(
                    'shibd-foreign'))


def _apache(sb):
    if sb.running('apache2-foreign'):
        return
    apache = sb.path('state', 'apache2-foreign', 'x').parent
    for sub in ('run', 'logs'):
        (apache / sub).mkdir(exist_ok=True)
    conf = render('apache-sp.conf', sb.path('etc', 'apache2-foreign.conf'),
                  host=base.HOST, port=sb.ports['keystone-foreign'],
                  apache_dir=apache, shib_dir=_shib_dir(sb),
                  uwsgi='%s:%d' % (base.HOST,
                                   sb.ports['keystone-foreign-uwsgi']))
    pidfile = apache / 'run' / 'apache2.pid'
    pidfile.unlink(missing_ok=True)
    log = sb.log('apache2-foreign')
    # Debian's apache2 reads these from /etc/apache2/envvars when started
    # by apachectl; our config names its paths itself, these only keep
    # the binary from looking at the system's directories.
    env = {'APACHE_RUN_DIR': apache / 'run', 'APACHE_LOCK_DIR': apache / 'run',
           'APACHE_PID_FILE': pidfile, 'APACHE_LOG_DIR': apache / 'logs',
           'APACHE_RUN_USER': 'www-data', 'APACHE_RUN_GROUP': 'www-data'}
    sb.run(['apache2', '-f', conf, '-t'], log=log,
           env={k: str(v) for k, v in env.items()})
    sb.run(['apache2', '-f', conf, '-k', 'start'], log=log,
           env={k: str(v) for k, v in env.items()})
    _wait_until(lambda: pidfile.exists() and pidfile.read_text().strip(),
                'apache2 pidfile', log)
    sb.adopt('apache2-foreign', int(pidfile.read_text()))


def _wait_until(ready, what, log, timeout=60, alive=None):
    deadline = time.monotonic() + timeout
    while not ready():
        if alive and not alive():
            raise base.SandboxError('%s: process exited (see %s)'
                                    % (what, log))
        if time.monotonic() > deadline:
            raise base.SandboxError('%s: not ready in %d s (see %s)'
                                    % (what, timeout, log))
        time.sleep(0.1)


# Cinder

def cinder(sb):
    etc = sb.path('etc', 'cinder-foreign', 'x').parent
    conf = etc / 'cinder.conf'
    log = sb.log('cinder-foreign-setup')
    with sb.step('foreign cinder: service user, catalog', log):
        ks = sb.keystone(CLOUD)
        service_project, _ = ks.ensure_named('projects', 'service',
                                             {'domain_id': 'default'})
        # The password only when the user is made: setting it again
        # revokes the tokens of the running cinder-foreign, which then
        # answers 503 until keystonemiddleware fetches a new one.
        user, _ = ks.ensure_named(
            'users', CINDER_USER, {'domain_id': 'default'},
            create={'password': sb.secret('foreign-cinder')})
        # service: Cinder's keystonemiddleware accepts service tokens of
        # holders of this role; admin: it validates tokens.
        for role in ('admin', 'service'):
            ks.grant(service_project['id'], user['id'],
                     ks.ensure_named('roles', role, {})[0]['id'])
        url = sb.url('cinder-foreign', '/v3')
        # block-storage is the official type; volumev3 for older clients.
        for service_type in ('block-storage', 'volumev3'):
            ks.ensure_endpoint(service_type, 'cinder', url, REGION)
    if not sb.running('cinder-foreign'):
        with sb.step('foreign cinder: config, db sync', log):
            _cinder_conf(sb, conf, etc)
            sb.run([sb.bin('cinder-manage'), '--config-file', conf,
                    'db', 'sync'], log=log)
    with sb.step('foreign cinder: api, scheduler, volume'):
        sb.wsgi_module('cinder_foreign', 'cinder.wsgi.api:application',
                       argv=['--config-file', conf])
        sb.gunicorn('cinder-foreign', 'cinder_foreign')
        for service in ('scheduler', 'volume'):
            sb.start('cinder-foreign-' + service,
                     [sb.bin('cinder-' + service), '--config-file', conf])
        sb.wait_http(sb.url('cinder-foreign', '/'), ok=(200, 400),
                     name='cinder-foreign')
    with sb.step('foreign cinder: volume type, backend ready', log):
        volumes.ensure_backend(ks.client.session, sb.url(
            'cinder-foreign', '/v3/%s' % ks.client.get_project_id()),
            sb.log('cinder-foreign-scheduler'))


def _cinder_conf(sb, conf, etc):
    venv_etc = sb.venv / 'etc' / 'cinder'
    shutil.copy(venv_etc / 'api-paste.ini', etc / 'api-paste.ini')
    # Without it nova-compute's attachment queries get 400.
    shutil.copy(venv_etc / 'resource_filters.json',
                etc / 'resource_filters.json')
    state = sb.path('state', 'cinder-foreign', 'x').parent
    sb.write_ini(conf, {
        'DEFAULT': {
            'use_stderr': True,
            'host': CLOUD,
            'my_ip': base.HOST,
            'state_path': state,
            'transport_url': sb.transport_url(CLOUD),
            'auth_strategy': 'keystone',
            'api_paste_config': etc / 'api-paste.ini',
            'resource_query_filters_file': etc / 'resource_filters.json',
            'enabled_backends': '%s,%s' % (volumes.VOLUME_TYPE,
                                           SPARE_BACKEND),
            'default_volume_type': volumes.VOLUME_TYPE,
            **volumes.REPORTING,
        },
        'database': {'connection': sb.database_url('cinder_foreign')},
        'oslo_concurrency': {'lock_path': state / 'lock'},
        'keystone_authtoken': {
            'www_authenticate_uri': keystone_url(sb),
            'auth_url': keystone_url(sb),
            'auth_type': 'password',
            'username': CINDER_USER,
            'password': sb.secret('foreign-cinder'),
            'user_domain_name': 'Default',
            'project_name': 'service',
            'project_domain_name': 'Default',
            # A service token counts only with a service role in it.
            'service_token_roles_required': True,
        },
        # The storage backend is the one stub of this cloud: Cinder's own
        # fake driver (no data path), everything else is real Cinder.
        volumes.VOLUME_TYPE: {
            'volume_driver':
                'cinder.tests.fake_driver.FakeLoggingVolumeDriver',
            'volume_backend_name': volumes.VOLUME_TYPE,
        },
        SPARE_BACKEND: {
            'volume_driver':
                'cinder.tests.fake_driver.FakeLoggingVolumeDriver',
            'volume_backend_name': SPARE_BACKEND,
        },
    })
    # Callbacks about servers of the home cloud go to its Nova (this cloud
    # has none), as the home user's application credential: the command
    # the devstack plugin runs. federation.wire makes the credential.
    sb.run([sb.bin('mixmatch-configure'), 'cinder', '--config-file', conf,
            '--home-cloud', IDP_ID,
            '--home-auth-url', sb.url('keystone-home', '/v3'),
            '--application-credential-name', HOME_CALLBACK_CREDENTIAL,
            '--username', HOME_CALLBACK_USER, '--region-name', REGION],
           log=sb.log('cinder-foreign-setup'),
           env={'MIXMATCH_APPLICATION_CREDENTIAL_SECRET': sb.secret(
               'home-' + HOME_CALLBACK_CREDENTIAL)})
