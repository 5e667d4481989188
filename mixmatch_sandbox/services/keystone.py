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

"""A cloud's Keystone: one bootstrap, served in one of two ways.

As the K2K identity provider (``identity_provider``), it signs SAML
assertions (xmlsec1) and serves under gunicorn on port keystone-<cloud>.
As a service provider (``service_provider``), it serves under uwsgi on
keystone-<cloud>-uwsgi, several processes of several threads sharing the
cloud's memcached (Keystone patched, see patches/keystone), behind the
Shibboleth front of ``services.shibboleth`` on keystone-<cloud>, which
consumes the identity provider's assertions.
"""

import concurrent.futures

from mixmatch_sandbox import credentials
from mixmatch_sandbox import services
from mixmatch_sandbox.services import memcached

__all__ = ['name', 'uwsgi_name', 'config_path', 'entity_id',
           'idp_metadata_path', 'wsgi_file', 'identity_provider',
           'service_provider']


def name(cloud: str) -> str:
    """Its public port; the gunicorn process of an identity provider."""
    return services.name('keystone', cloud)


def uwsgi_name(cloud: str) -> str:
    """The uwsgi process and port of a service provider."""
    return name(cloud) + '-uwsgi'


def config_path(sb, cloud):
    return sb.etc(name(cloud), 'keystone.conf')


def entity_id(sb, cloud: str) -> str:
    """The SAML entity id of cloud's Keystone as identity provider."""
    return sb.keystone_url(cloud, '/v3/OS-FEDERATION/saml2/idp')


def idp_metadata_path(sb, cloud):
    """The SAML metadata of cloud's Keystone as identity provider."""
    return sb.path('etc', name(cloud), 'saml', 'idp_metadata.xml')


def wsgi_file(sb, cloud):
    """The WSGI module of cloud's Keystone, reading its keystone.conf."""
    return sb.wsgi_module(name(cloud), 'keystone.wsgi.api:application',
                          {'OS_KEYSTONE_CONFIG_DIR':
                           config_path(sb, cloud).parent})


def _manage_log(sb, cloud):
    return sb.log(name(cloud) + '-manage')


def _install(sb, cloud, sections, public_url, more=()):
    """keystone.conf with sections, the database and the key repositories.

    The database gets its schema, then the admin user, project and role,
    the region and Keystone's own catalog entry at public_url. more:
    further work beside it, callables given the keystone-manage command.
    """
    conf = config_path(sb, cloud)
    keys = sb.path('state', name(cloud), 'x').parent
    sb.write_ini(conf, {
        'DEFAULT': {'debug': False},
        'database': {'connection': sb.database_url(name(cloud))},
        # without a cache every token operation costs ~170 ms
        'cache': {'enabled': True, 'backend': 'oslo_cache.dict'},
        'fernet_tokens': {'key_repository': keys / 'fernet-keys'},
        'fernet_receipts': {'key_repository': keys / 'fernet-keys'},
        'credential': {'key_repository': keys / 'credential-keys'},
        **sections,
    })
    log = _manage_log(sb, cloud)
    manage = [sb.bin('keystone-manage'), '--config-file', conf]

    def database():
        sb.run(manage + ['db_sync'], log=log)
        sb.run(manage + [
            'bootstrap', '--bootstrap-region-id', credentials.REGION,
            '--bootstrap-admin-url', public_url,
            '--bootstrap-internal-url', public_url,
            '--bootstrap-public-url', public_url], log=log,
            env={'OS_BOOTSTRAP_PASSWORD': credentials.secret(
                sb, cloud, credentials.ADMIN)})

    def key_repository(repo):
        sb.run(manage + [repo, '--keystone-user', 'root',
                         '--keystone-group', 'root'], log=log)

    # each keystone-manage run costs ~2 s of imports: run them side by
    # side where they do not depend on each other
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for f in [pool.submit(database),
                  pool.submit(key_repository, 'fernet_setup'),
                  pool.submit(key_repository, 'credential_setup'),
                  *(pool.submit(work, manage) for work in more)]:
            f.result()


def _saml(sb, cloud: str):
    """The [saml] section of an identity provider.

    And the maker of its key and metadata (work for ``_install``).
    """
    saml = idp_metadata_path(sb, cloud).parent
    log = _manage_log(sb, cloud)

    def saml_metadata(manage):
        if not (saml / 'key.pem').exists():
            sb.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048',
                    '-nodes', '-days', '3650',
                    '-subj', '/CN=mixmatch-idp-%s' % cloud,
                    '-keyout', saml / 'key.pem',
                    '-out', saml / 'cert.pem'], log=log)
        idp_metadata_path(sb, cloud).write_text(sb.run(
            manage + ['saml_idp_metadata'], log=log, capture=True))

    return {'certfile': saml / 'cert.pem',
            'keyfile': saml / 'key.pem',
            'idp_entity_id': entity_id(sb, cloud),
            'idp_sso_endpoint': sb.keystone_url(
                cloud, '/v3/OS-FEDERATION/saml2/sso'),
            'idp_metadata_path': idp_metadata_path(sb, cloud),
            'xmlsec1_binary': 'xmlsec1'}, saml_metadata


def identity_provider(sb, cloud: str):
    """cloud's Keystone, the K2K identity provider, started and answering."""
    log = _manage_log(sb, cloud)
    with sb.step('%s: keystone (identity provider)' % cloud, log):
        if not sb.running(name(cloud)):
            saml, saml_metadata = _saml(sb, cloud)
            _install(sb, cloud, {
                # bcrypt stays, at its cheapest cost: logins are on the
                # path of every test
                'identity': {'password_hash_rounds': 4},
                'saml': saml,
            }, sb.keystone_url(cloud, ''), more=[saml_metadata])
            wsgi_file(sb, cloud)
        sb.gunicorn(name(cloud), '/v3')


def service_provider(sb, cloud: str, token_life: int | None = None,
                     identity_provider: bool = False):
    """cloud's Keystone as K2K service provider, started under uwsgi.

    It answers through its front (``services.shibboleth``), which must be
    started too. Its tokens live token_life seconds (default: Keystone's
    hour). identity_provider: it is also the K2K identity provider of
    other clouds (signs SAML assertions, as ``identity_provider``), for
    its own users and for the federated ones (chained K2K).
    """
    uwsgi = uwsgi_name(cloud)
    with sb.step('%s: memcached' % cloud):
        memcached.start(sb, cloud)
    if sb.running(uwsgi):
        return
    # bcrypt at its cheapest cost, as at home: with tokens this
    # short-lived the provider's services log in every two minutes, and
    # each login on the default cost stalled a foreign attach for over a
    # second on a loaded machine (tox -e bench)
    sections, more = {'identity': {'password_hash_rounds': 4}}, []
    if identity_provider:
        saml, saml_metadata = _saml(sb, cloud)
        sections['saml'] = saml
        more = [saml_metadata]
    if token_life:
        sections['token'] = {'expiration': token_life}
    with sb.step('%s: keystone config, db sync, bootstrap' % cloud,
                 _manage_log(sb, cloud)):
        _install(sb, cloud, {
            **sections,
            # One cache for every uwsgi process: a change made in one (a
            # revoked token, a new assignment) is seen by the others.
            'cache': {'enabled': True,
                      'backend': 'dogpile.cache.pymemcache',
                      'memcache_servers': memcached.server(sb, cloud)},
            # saml2: the federation protocol of K2K; mapped: other
            # protocols.
            'auth': {'methods': 'password,token,mapped,saml2,'
                                'application_credential'},
            # The attribute in which mod_shib names the asserting IdP (its
            # entity id); keystone matches it against the IdP's remote ids.
            'federation': {'remote_id_attribute': 'Shib-Identity-Provider'},
        }, sb.keystone_url(cloud), more=more)
    with sb.step('%s: keystone uwsgi' % cloud):
        sb.start(uwsgi, [
            sb.bin('uwsgi'),
            # uwsgi protocol for mod_proxy_uwsgi, on loopback only
            '--socket', sb.address(uwsgi),
            '--wsgi-file', wsgi_file(sb, cloud), '--need-app',
            # As a provider serves many users at once: several processes
            # of several threads.
            '--master', '--processes', '2', '--threads', '4',
            '--die-on-term',
            # mod_shib passes every SAML attribute as a request variable
            '--buffer-size', '65535',
            '--procname-prefix', 'mixmatch-%s-' % name(cloud)])
