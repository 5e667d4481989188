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

"""The home cloud: Keystone (the K2K identity provider), Placement, Glance,
Neutron (API only), Cinder and Nova (patched, mixmatch enabled), each a
separate process over RabbitMQ vhost mixmatch-home and MariaDB.

Runs in the sandbox venv (the CLI re-executes itself there).
"""

import concurrent.futures
import os
import shutil
import time

from keystoneauth1 import identity
from keystoneauth1 import session as ks_session

from mixmatch_sandbox import base
from mixmatch_sandbox import federation
from mixmatch_sandbox import volumes

CLOUD = 'home'
REGION = 'RegionOne'
SERVICE_USERS = {'nova': ['service', 'admin'],
                 'cinder': ['service', 'admin'],
                 'neutron': ['service', 'admin'],
                 'glance': ['service'],
                 'placement': ['service']}
# type, name, port name, path of the public endpoint
CATALOG = [('placement', 'placement', 'placement', ''),
           ('image', 'glance', 'glance', ''),
           ('network', 'neutron', 'neutron', ''),
           ('volumev3', 'cinderv3', 'cinder-home', '/v3/%(project_id)s'),
           ('compute', 'nova', 'nova-api', '/v2.1')]
# two fake hypervisors, so that servers can migrate
COMPUTE_HOSTS = ('compute1', 'compute2')
COMPUTE_HOST = COMPUTE_HOSTS[0]
FLAVOR = 'm1.tiny'
RESIZE_FLAVOR = 'm1.small'   # what servers are resized to
FLAVORS = {FLAVOR: {'ram': 128, 'vcpus': 1, 'disk': 1},
           RESIZE_FLAVOR: {'ram': 256, 'vcpus': 1, 'disk': 1}}
IMAGE = 'tiny'


# Identifiers other modules need (the foreign side, the demo)

def auth_url(sb):
    return sb.url('keystone-home', '/v3')


def idp_metadata_path(sb):
    return sb.path('etc', 'keystone-home', 'saml', 'idp_metadata.xml')


def etc(sb, service, name):
    return sb.path('etc', service, name)


def admin_session(sb):
    return _session(sb, 'admin', sb.secret('home-admin'), 'admin')


def _session(sb, user, password, project):
    return ks_session.Session(auth=password_auth(sb, user, password,
                                                 project))


def password_auth(sb, user, password, project):
    """A password plugin of a home user in the default domain."""
    return identity.Password(
        auth_url=auth_url(sb), username=user, password=password,
        project_name=project, user_domain_id='default',
        project_domain_id='default')


def _service_auth(sb, user):
    """keystoneauth options of a service user, for any config section."""
    return {'auth_type': 'password', 'auth_url': auth_url(sb),
            'username': user, 'password': sb.secret('home-' + user),
            'project_name': 'service', 'user_domain_name': 'Default',
            'project_domain_name': 'Default', 'region_name': REGION}


def _authtoken(sb, user):
    return dict(_service_auth(sb, user),
                www_authenticate_uri=auth_url(sb),
                service_token_roles_required=True)


# Bring-up

def up(sb):
    transport = sb.transport_url(CLOUD)
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        # Keystone first; the other services' configs and schemas are
        # independent of it and are made meanwhile.
        keystone_done = pool.submit(keystone, sb)
        prepared = [pool.submit(f, sb, transport)
                    for f in (placement_prepare, glance_prepare,
                              neutron_prepare, cinder_prepare, nova_prepare)]
        keystone_done.result()
        prepared.append(pool.submit(register, sb))
        for f in prepared:
            f.result()
    start_services(sb)
    with sb.step('home: flavor, image, volume type, neutron warm-up'):
        resources(sb)


def _gunicorn_service(sb, name, wsgi_name, url_path=''):
    if not sb.running(name):
        sb.gunicorn(name, wsgi_name)
    sb.wait_http(sb.url(name, url_path), timeout=120, name=name)


def keystone(sb):
    name = 'keystone-home'
    log = sb.log('keystone-home-manage')
    with sb.step('home: keystone (identity provider)', log):
        if sb.running(name):
            sb.wait_http(sb.url(name, '/v3'), name=name)
            return
        conf = etc(sb, name, 'keystone.conf')
        saml = idp_metadata_path(sb).parent
        sb.write_ini(conf, {
            'DEFAULT': {'debug': False},
            'database': {'connection': sb.database_url('keystone_home')},
            'token': {'provider': 'fernet'},
            'fernet_tokens': {'key_repository': conf.parent / 'fernet'},
            'credential': {'key_repository': conf.parent / 'credential'},
            # without a cache every token operation costs ~170 ms
            'cache': {'enabled': True, 'backend': 'oslo_cache.dict'},
            # bcrypt stays, at its cheapest cost: logins are on the path
            # of every test
            'identity': {'password_hash_rounds': 4},
            'saml': {'certfile': saml / 'cert.pem',
                     'keyfile': saml / 'key.pem',
                     'idp_entity_id': sb.idp_entity_id(),
                     'idp_sso_endpoint': sb.url(
                         name, '/v3/OS-FEDERATION/saml2/sso'),
                     'idp_metadata_path': idp_metadata_path(sb),
                     'xmlsec1_binary': 'xmlsec1'},
        })
        manage = [sb.bin('keystone-manage'), '--config-file', conf]
        public = sb.url(name)

        def database():
            sb.run(manage + ['db_sync'], log=log)
            sb.run(manage + [
                'bootstrap', '--bootstrap-password', sb.secret('home-admin'),
                '--bootstrap-region-id', REGION,
                '--bootstrap-admin-url', public,
                '--bootstrap-internal-url', public,
                '--bootstrap-public-url', public], log=log)

        def key_repository(repo):
            sb.run(manage + [repo, '--keystone-user', 'root',
                             '--keystone-group', 'root'], log=log)

        def saml_idp():
            if not (saml / 'key.pem').exists():
                sb.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048',
                        '-nodes', '-days', '3650', '-subj', '/CN=mixmatch-idp',
                        '-keyout', saml / 'key.pem', '-out',
                        saml / 'cert.pem'], log=log)
            idp_metadata_path(sb).write_text(
                sb.run(manage + ['saml_idp_metadata'], log=log,
                       capture=True))

        # each keystone-manage run costs ~2 s of imports: run them side
        # by side where they do not depend on each other
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            for f in [pool.submit(database), pool.submit(saml_idp),
                      pool.submit(key_repository, 'fernet_setup'),
                      pool.submit(key_repository, 'credential_setup')]:
                f.result()
        sb.keystone_wsgi(CLOUD)
        _gunicorn_service(sb, name, 'keystone_' + CLOUD, '/v3')


def register(sb):
    """Projects, users, roles and the catalog, idempotently."""
    with sb.step('home: register users, projects and the catalog'):
        _register(sb)


def _register(sb):
    ks = sb.keystone(CLOUD)
    roles = {r: ks.ensure_named('roles', r, {})[0]['id']
             for r in ('admin', 'member', 'service')}

    def project(name):
        return ks.ensure_named('projects', name,
                               {'domain_id': 'default'})[0]['id']

    def user(name):
        # the password only at creation: a new one revokes its tokens
        return ks.ensure_named(
            'users', name, {'domain_id': 'default'},
            create={'password': sb.secret('home-' + name)})[0]['id']

    service_project = project('service')
    for name, user_roles in SERVICE_USERS.items():
        uid = user(name)
        for role in user_roles:
            ks.grant(service_project, uid, roles[role])
    ks.grant(project('demo'), user('demo'), roles['member'])
    # the operator, scoped to the demo project, can move its servers
    # together with their foreign volumes (nova_mixmatch.moves)
    ks.grant(project('demo'), user('admin'), roles['admin'])
    for stype, sname, port, path in CATALOG:
        ks.ensure_endpoint(stype, sname, sb.url(port, path), REGION,
                           interfaces=('public', 'internal'))


def _copy_etc(sb, package, name, service=None):
    """Copy a file the package installs in <venv>/etc/<package>/."""
    return shutil.copyfile(sb.venv / 'etc' / package / name,
                           etc(sb, service or package, name))


def placement_prepare(sb, transport):
    if sb.running('placement'):
        return
    with sb.step('home: placement config and schema'):
        conf = etc(sb, 'placement', 'placement.conf')
        sb.write_ini(conf, {
            'DEFAULT': {'debug': False},
            'placement_database': {
                'connection': sb.database_url('placement')},
            'api': {'auth_strategy': 'keystone'},
            'keystone_authtoken': _authtoken(sb, 'placement'),
        })
        sb.run([sb.bin('placement-manage'), '--config-file', conf,
                'db', 'sync'], log=sb.log('placement-manage'))
        sb.wsgi_module('placement', 'placement.wsgi.api:application',
                       {'OS_PLACEMENT_CONFIG_DIR': conf.parent})


def glance_prepare(sb, transport):
    if sb.running('glance'):
        return
    with sb.step('home: glance config and schema'):
        conf = etc(sb, 'glance', 'glance-api.conf')
        data = sb.path('state', 'glance', 'x').parent
        _copy_etc(sb, 'glance', 'glance-api-paste.ini')
        sb.write_ini(conf, {
            'DEFAULT': {'debug': False, 'enabled_backends': 'fs:file',
                        'transport_url': transport},
            'database': {'connection': sb.database_url('glance')},
            'keystone_authtoken': _authtoken(sb, 'glance'),
            'paste_deploy': {'flavor': 'keystone'},
            'glance_store': {'default_backend': 'fs'},
            'fs': {'filesystem_store_datadir': data / 'images'},
            'os_glance_staging_store': {
                'filesystem_store_datadir': data / 'staging'},
            'os_glance_tasks_store': {
                'filesystem_store_datadir': data / 'tasks'},
            'oslo_concurrency': {'lock_path': data / 'lock'},
        })
        sb.run([sb.bin('glance-manage'), '--config-file', conf, 'db_sync'],
               log=sb.log('glance-manage'))
        sb.wsgi_module('glance', 'glance.wsgi.api:application',
                       {'OS_GLANCE_CONFIG_DIR': conf.parent})


def neutron_prepare(sb, transport):
    if sb.running('neutron'):
        return
    with sb.step('home: neutron config and schema'):
        conf = etc(sb, 'neutron', 'neutron.conf')
        paste = _copy_etc(sb, 'neutron', 'api-paste.ini')
        state = sb.path('state', 'neutron', 'x').parent
        sb.write_ini(conf, {
            'DEFAULT': {'debug': False, 'core_plugin': 'ml2',
                        # the router plugin loads models (port
                        # forwardings) that listing ports needs
                        'service_plugins': 'router',
                        'auth_strategy': 'keystone',
                        'transport_url': transport, 'state_path': state,
                        'api_paste_config': paste,
                        # no agents: nothing to tell Nova about ports
                        'notify_nova_on_port_status_changes': False,
                        'notify_nova_on_port_data_changes': False},
            'database': {'connection': sb.database_url('neutron')},
            'keystone_authtoken': _authtoken(sb, 'neutron'),
            'ml2': {'type_drivers': 'flat,local',
                    'tenant_network_types': 'local',
                    'mechanism_drivers': '', 'extension_drivers': ''},
            'oslo_concurrency': {'lock_path': state / 'lock'},
        })
        sb.run([sb.bin('neutron-db-manage'), '--config-file', conf,
                'upgrade', 'heads'], log=sb.log('neutron-manage'))
        sb.wsgi_module('neutron', 'neutron.wsgi.api:application',
                       {'OS_NEUTRON_CONFIG_DIR': conf.parent,
                        'OS_NEUTRON_CONFIG_FILES': 'neutron.conf'})


def cinder_prepare(sb, transport):
    if sb.running('cinder-home'):
        return
    with sb.step('home: cinder config and schema'):
        conf = etc(sb, 'cinder-home', 'cinder.conf')
        paste = _copy_etc(sb, 'cinder', 'api-paste.ini', 'cinder-home')
        # without it nova-compute's attachment queries get 400
        filters = _copy_etc(sb, 'cinder', 'resource_filters.json',
                            'cinder-home')
        state = sb.path('state', 'cinder-home', 'x').parent
        sb.write_ini(conf, {
            'DEFAULT': {'debug': False, 'transport_url': transport,
                        'auth_strategy': 'keystone', 'host': 'cinder-home',
                        'my_ip': base.HOST, 'state_path': state,
                        'api_paste_config': paste,
                        'resource_query_filters_file': filters,
                        'enabled_backends': 'fake',
                        'default_volume_type': volumes.VOLUME_TYPE,
                        **volumes.REPORTING},
            'database': {'connection': sb.database_url('cinder_home')},
            'keystone_authtoken': _authtoken(sb, 'cinder'),
            # Cinder's calls back to Nova (external events)
            'nova': dict(_service_auth(sb, 'cinder'), interface='public'),
            'fake': {'volume_driver':
                     'cinder.tests.fake_driver.FakeLoggingVolumeDriver',
                     'volume_backend_name': 'fake'},
            'oslo_concurrency': {'lock_path': state / 'lock'},
        })
        sb.run([sb.bin('cinder-manage'), '--config-file', conf, 'db',
                'sync'], log=sb.log('cinder-home-manage'))
        sb.wsgi_module('cinder_home', 'cinder.wsgi.api:application',
                       argv=['--config-file', conf])


def _nova_common(sb, transport, state):
    return {
        'DEFAULT': {'debug': False, 'transport_url': transport,
                    'state_path': state, 'my_ip': base.HOST},
        # service_type: Nova enforces application credential access rules
        # (the foreign Cinder's credential is restricted to its callbacks)
        'keystone_authtoken': dict(_authtoken(sb, 'nova'),
                                   service_type='compute'),
        'placement': _service_auth(sb, 'nova'),
        'neutron': _service_auth(sb, 'nova'),
        'cinder': dict(_service_auth(sb, 'nova'), os_region_name=REGION),
        'glance': {'region_name': REGION},
        # without it a plain local detach fails (ConflictNovaUsingAttachment).
        # [mixmatch] auth_section names it too (federation.configure_nova):
        # federated by K2K, it is the service token of the foreign Cinder.
        'service_user': dict(_service_auth(sb, 'nova'),
                             send_service_user_token=True),
        'vnc': {'enabled': False},
        'oslo_concurrency': {'lock_path': state / 'lock'},
    }


def nova_prepare(sb, transport):
    if sb.running('nova-api'):
        return
    with sb.step('home: nova config and schemas'):
        conf = etc(sb, 'nova', 'nova.conf')
        _copy_etc(sb, 'nova', 'api-paste.ini')
        sections = _nova_common(sb, transport,
                                sb.path('state', 'nova', 'x').parent)
        sections['api_database'] = {'connection': sb.database_url('nova_api')}
        sections['database'] = {'connection': sb.database_url('nova')}
        sections['conductor'] = {'workers': 1}
        sections['scheduler'] = {'workers': 1,
                                 'discover_hosts_in_cells_interval': -1}
        sb.write_ini(conf, sections)
        compute_confs = [_compute_conf(sb, transport, host)
                         for host in COMPUTE_HOSTS]
        log = sb.log('nova-manage')
        manage = [sb.bin('nova-manage'), '--config-file', conf]

        def schemas():
            sb.run(manage + ['api_db', 'sync'], log=log)
            sb.run(manage + ['cell_v2', 'map_cell0', '--database_connection',
                             sb.database_url('nova_cell0')], log=log)
            # 2: a cell with this database and transport exists already
            if sb.run(manage + ['cell_v2', 'create_cell', '--name', 'cell1'],
                      log=log, check=False) not in (0, 2):
                raise base.SandboxError('create_cell failed (see %s)' % log)
            sb.run(manage + ['db', 'sync'], log=log)

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            computes_done = pool.submit(
                lambda: [federation.configure_nova(sb, c)
                         for c in compute_confs])
            # nova-manage reads nova.conf: finish writing it first
            federation.configure_nova(sb, conf)
            schemas()
            computes_done.result()
        sb.wsgi_module('nova_api', 'nova.wsgi.osapi_compute:application',
                       {'OS_NOVA_CONFIG_DIR': conf.parent,
                        'OS_NOVA_CONFIG_FILES': 'api-paste.ini;nova.conf'})


def _compute_conf(sb, transport, host):
    compute = _nova_common(sb, transport,
                           sb.path('state', host, 'x').parent)
    # nova-compute has no database access. A shelved server stays on its
    # host until offloaded explicitly, so that both steps can be tested.
    compute['DEFAULT'].update(
        host=host, compute_driver='fake.FakeDriverWithoutFakeNodes',
        shelved_offload_time=-1)
    return sb.write_ini(etc(sb, 'nova', host + '.conf'), compute)


def start_services(sb):
    with sb.step('home: start placement, glance, neutron, cinder, nova'):
        cinder_conf = etc(sb, 'cinder-home', 'cinder.conf')
        for svc in ('scheduler', 'volume'):
            sb.start('cinder-home-' + svc, [sb.bin('cinder-' + svc),
                                            '--config-file', cinder_conf])
        apis = [('placement', 'placement'), ('glance', 'glance'),
                ('neutron', 'neutron'), ('cinder-home', 'cinder_home'),
                ('nova-api', 'nova_api')]
        with concurrent.futures.ThreadPoolExecutor(len(apis)) as pool:
            for f in [pool.submit(_gunicorn_service, sb, *a) for a in apis]:
                f.result()
        # conductor and scheduler check Placement as they start
        nova_conf = etc(sb, 'nova', 'nova.conf')
        for svc in ('conductor', 'scheduler'):
            sb.start('nova-' + svc, [sb.bin('nova-' + svc),
                                     '--config-file', nova_conf])
    with sb.step('home: nova-compute %s' % ', '.join(COMPUTE_HOSTS)):
        # the computes register through the conductor: wait for its queue
        _wait_queue(sb, 'conductor', 'nova-conductor')
        for host in COMPUTE_HOSTS:
            sb.start('nova-' + host, [
                sb.bin('nova-compute'), '--config-file',
                etc(sb, 'nova', host + '.conf')])
        for host in COMPUTE_HOSTS:
            _wait_hypervisor(sb, nova_conf, host)


def _wait_queue(sb, queue, name, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not sb.running(name):
            raise base.SandboxError('%s exited (see %s)'
                                    % (name, sb.log(name)))
        queues = sb.run(['rabbitmqctl', '-q', 'list_queues', '-p',
                         sb.vhost(CLOUD), 'name'],
                        log=sb.log('rabbitmq'), capture=True).split()
        if queue in queues:
            return
        time.sleep(0.5)
    raise base.SandboxError('no %s queue after %d s (see %s)'
                            % (queue, timeout, sb.log(name)))


def _wait_hypervisor(sb, nova_conf, host, timeout=90):
    """Map host's compute node into cell1, wait until its service is up.

    discover_hosts maps it once it exists; the hypervisor list shows only
    mapped nodes. After a restart (up after down) the node is mapped
    already but its service stays down until the new process reports in:
    the scheduler would find no host.
    """
    s = admin_session(sb)
    nova = sb.url('nova-api', '/v2.1')
    name = 'nova-' + host
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not sb.running(name):
            raise base.SandboxError('%s exited (see %s)'
                                    % (name, sb.log(name)))
        hypervisors = s.get(nova + '/os-hypervisors').json()['hypervisors']
        if host not in [h['hypervisor_hostname'] for h in hypervisors]:
            sb.run([sb.bin('nova-manage'), '--config-file', nova_conf,
                    'cell_v2', 'discover_hosts'], log=sb.log('nova-manage'))
            continue
        services = s.get(nova + '/os-services', params={
            'binary': 'nova-compute', 'host': host}).json()
        if [x for x in services['services'] if x['state'] == 'up']:
            return
        time.sleep(0.5)
    raise base.SandboxError('%s did not register in %d s (see %s)'
                            % (name, timeout, sb.log(name)))


def resources(sb):
    """The flavors, image and volume type the demo and tests use."""
    s = admin_session(sb)
    # neutron-server's first port list fails (Port.port_forwardings is
    # unknown) unless a query has configured the ORM mappers before it:
    # make one before Nova lists ports.
    s.get(sb.url('neutron', '/v2.0/networks'))
    nova = sb.url('nova-api', '/v2.1')
    existing = [f['name'] for f in s.get(nova + '/flavors').json()['flavors']]
    for name, size in FLAVORS.items():
        if name not in existing:
            s.post(nova + '/flavors', json={'flavor': dict(name=name,
                                                           **size)})
    glance = sb.url('glance', '/v2/images')
    images = s.get(glance, params={'name': IMAGE}).json()['images']
    if not [i for i in images if i['status'] == 'active']:
        for image in images:
            s.delete(glance + '/' + image['id'])
        image = s.post(glance, json={
            'name': IMAGE, 'disk_format': 'raw', 'container_format': 'bare',
            'visibility': 'public'}).json()
        # the fake hypervisor never reads it: a small raw disk will do
        s.put(glance + '/%s/file' % image['id'], data=b'\0' * 1024 * 1024,
              headers={'Content-Type': 'application/octet-stream'})
    volumes.ensure_backend(s, sb.url('cinder-home', '/v3/%s'
                                     % s.get_project_id()),
                           sb.log('cinder-home-scheduler'))


def clouds_yaml(sb):
    """clouds.yaml with home-admin, home-demo and foreign-admin."""
    def cloud(url, user, password, project):
        return ('    auth:\n      auth_url: %s\n      username: %s\n'
                '      password: %s\n      project_name: %s\n'
                '      user_domain_id: default\n'
                '      project_domain_id: default\n'
                '    region_name: %s\n    identity_api_version: 3\n'
                % (url, user, password, project, REGION))
    clouds = [('home-admin', auth_url(sb), 'admin', 'home-admin', 'admin'),
              ('home-demo', auth_url(sb), 'demo', 'home-demo', 'demo'),
              ('foreign-admin', sb.url('keystone-foreign', '/v3'), 'admin',
               'foreign-admin', 'admin')]
    text = 'clouds:\n' + ''.join(
        '  %s:\n' % name + cloud(url, user, sb.secret(secret), project)
        for name, url, user, secret, project in clouds)
    path = sb.clouds_yaml()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as out:
        out.write(text)
    path.chmod(0o600)   # an older file keeps its mode otherwise
    return path
