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

"""A cloud's Nova, patched and mixmatch enabled: nova-api (gunicorn),
nova-conductor, nova-scheduler and a nova-compute per host on the fake
driver.
"""

import concurrent.futures

from mixmatch_sandbox import base
from mixmatch_sandbox import credentials
from mixmatch_sandbox import services

__all__ = ['compute_name', 'USER', 'MIXMATCH_AUTH_SECTION', 'COMPUTE_DRIVER',
           'name', 'api_url',
           'config_path', 'prepare', 'start',
           'start_conductor_and_scheduler', 'start_computes']

#: the service user, in its cloud
USER = 'nova'
#: The nova.conf section of Nova's own identity in its cloud, which
#: [mixmatch] auth_section names: federated by K2K it becomes the service
#: token a foreign Cinder wants on detach-type calls, and the home one
#: never leaves home.
MIXMATCH_AUTH_SECTION = 'service_user'
#: Nova's fake driver, which downloads each server's image through Nova
#: and checks its hash (mixmatch_sandbox.virt, which the sandbox's
#: nova-compute, mixmatch_sandbox.compute, shows Nova as
#: nova.virt.mixmatch_sandbox)
COMPUTE_DRIVER = 'mixmatch_sandbox.ImageFetchingFakeDriver'


def name(cloud: str) -> str:
    return services.name('nova', cloud)


def compute_name(cloud: str, host: str) -> str:
    """The process (and log) of the nova-compute of host."""
    return '%s-%s' % (name(cloud), host)


def api_url(sb, cloud: str) -> str:
    return sb.url(name(cloud) + '-api', '/v2.1')


#: [mixmatch] reconcile options of nova.conf: a pass every 10 s; a change
#: counts as stuck after 2 minutes.
RECONCILE = {'reconcile_interval': 10, 'reconcile_grace': 120}


def config_path(sb, cloud: str, host: str | None = None):
    """nova.conf, or the config of the nova-compute of host."""
    return sb.etc(name(cloud), (host or 'nova') + '.conf')


def _manage(sb, cloud):
    return [sb.bin('nova-manage'), '--config-file', config_path(sb, cloud)]


def _manage_log(sb, cloud):
    return sb.log(name(cloud) + '-manage')


def _common(sb, cloud, transport, state):
    """What nova.conf and the computes' configs share."""
    auth = credentials.service_auth(sb, cloud, USER)
    return {
        'DEFAULT': {'debug': False, 'transport_url': transport,
                    'state_path': state, 'my_ip': base.HOST},
        # service_type: Nova enforces application credential access rules
        # (the foreign Cinder's credential is restricted to its callbacks)
        'keystone_authtoken': dict(credentials.authtoken(sb, cloud, USER),
                                   service_type='compute'),
        'placement': auth,
        'neutron': auth,
        'cinder': dict(auth, os_region_name=credentials.REGION),
        'glance': {'region_name': credentials.REGION},
        # without it a plain local detach fails
        # (ConflictNovaUsingAttachment). [mixmatch] auth_section names it
        # too (MIXMATCH_AUTH_SECTION).
        MIXMATCH_AUTH_SECTION: dict(auth, send_service_user_token=True),
        'vnc': {'enabled': False},
        'oslo_concurrency': {'lock_path': state / 'lock'},
        'oslo_messaging_rabbit': services.MESSAGING,
    }


def prepare(sb, cloud: str, transport: str, hosts, service_providers):
    """nova.conf, the computes' configs, the schemas and the WSGI module.

    Unless nova-api runs.

    :param hosts: the nova-compute hosts
    :param service_providers: the K2K ids of the clouds whose volumes
        this Nova may attach
    """
    if sb.running(name(cloud) + '-api'):
        return
    log = _manage_log(sb, cloud)
    with sb.step('%s: nova config and schemas' % cloud, log):
        conf = config_path(sb, cloud)
        sb.copy_etc('nova', 'api-paste.ini', name(cloud))
        sections = _common(sb, cloud, transport,
                           sb.path('state', name(cloud), 'x').parent)
        sections['api_database'] = {
            'connection': sb.database_url(name(cloud) + '_api')}
        sections['database'] = {'connection': sb.database_url(name(cloud))}
        sections['conductor'] = {'workers': 1}
        # nova-conductor's reconciliation with the providers, often enough
        # for the tests to wait for it
        sections['mixmatch'] = RECONCILE
        sections['scheduler'] = {'workers': 1,
                                 'discover_hosts_in_cells_interval': -1}
        sb.write_ini(conf, sections)
        compute_confs = [_compute_conf(sb, cloud, transport, host)
                         for host in hosts]
        manage = _manage(sb, cloud)

        def mixmatch(config_file):
            """[mixmatch] as the devstack plugin writes it."""
            sb.run([sb.bin('mixmatch-configure'), 'nova',
                    '--config-file', config_file,
                    '--home-auth-url', sb.keystone_url(cloud),
                    '--service-providers', ','.join(service_providers),
                    '--auth-section', MIXMATCH_AUTH_SECTION], log=log)

        def schemas():
            sb.run(manage + ['api_db', 'sync'], log=log)
            # cell0's database is the main one's name + _cell0, which
            # nova-manage derives: no URL (and password) in argv
            sb.database_url(name(cloud) + '_cell0')
            sb.run(manage + ['cell_v2', 'map_cell0'], log=log)
            # 2: a cell with this database and transport exists already
            if sb.run(manage + ['cell_v2', 'create_cell', '--name', 'cell1'],
                      log=log, check=False) not in (0, 2):
                raise base.SandboxError('create_cell failed (see %s)' % log)
            sb.run(manage + ['db', 'sync'], log=log)

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            computes_done = pool.submit(
                lambda: [mixmatch(c) for c in compute_confs])
            # nova-manage reads nova.conf: finish writing it first
            mixmatch(conf)
            schemas()
            computes_done.result()
        sb.wsgi_module(name(cloud) + '-api',
                       'nova.wsgi.osapi_compute:application',
                       {'OS_NOVA_CONFIG_DIR': conf.parent,
                        'OS_NOVA_CONFIG_FILES': 'api-paste.ini;nova.conf'})


def _compute_conf(sb, cloud, transport, host):
    compute = _common(sb, cloud, transport,
                      sb.path('state', host, 'x').parent)
    # nova-compute has no database access. A shelved server stays on its
    # host until offloaded explicitly, so that both steps can be tested.
    # The fake hypervisor, downloading and checking each server's image.
    compute['DEFAULT'].update(
        host=host, compute_driver=COMPUTE_DRIVER, shelved_offload_time=-1)
    return sb.write_ini(config_path(sb, cloud, host), compute)


def start(sb, cloud: str):
    """nova-api; the others start once Placement answers.

    (start_conductor_and_scheduler, then start_computes)
    """
    sb.gunicorn(name(cloud) + '-api')


def start_conductor_and_scheduler(sb, cloud: str):
    """Start them once Placement answers: they check it as they start."""
    for service in ('conductor', 'scheduler'):
        sb.start('%s-%s' % (name(cloud), service),
                 [sb.bin('nova-' + service),
                  '--config-file', config_path(sb, cloud)])


def start_computes(sb, cloud: str, hosts):
    """Start the computes of hosts; wait until each is mapped and up."""
    with sb.step('%s: nova-compute %s' % (cloud, ', '.join(hosts))):
        # the computes register through the conductor: wait for its queue
        conductor = name(cloud) + '-conductor'
        sb.wait_until(lambda: 'conductor' in sb.run(
            ['rabbitmqctl', '-q', 'list_queues', '-p', sb.vhost(cloud),
             'name'], log=sb.log('rabbitmq'), capture=True).split(),
            'the conductor queue', name=conductor, interval=0.5)
        for host in hosts:
            sb.start(compute_name(cloud, host),
                     [sb.python, '-m', 'mixmatch_sandbox.compute',
                      '--config-file', config_path(sb, cloud, host)])
        for host in hosts:
            _wait_hypervisor(sb, cloud, host)


def _wait_hypervisor(sb, cloud, host, timeout=90):
    """Map host's compute node into cell1, wait until its service is up.

    discover_hosts maps it once it exists; the hypervisor list shows only
    mapped nodes. After a restart (up after down) the node is mapped
    already but its service stays down until the new process reports in:
    the scheduler would find no host.
    """
    s = credentials.admin_session(sb, cloud)
    nova = api_url(sb, cloud)

    def up():
        hypervisors = s.get(nova + '/os-hypervisors').json()['hypervisors']
        if host not in [h['hypervisor_hostname'] for h in hypervisors]:
            sb.run(_manage(sb, cloud) + ['cell_v2', 'discover_hosts'],
                   log=_manage_log(sb, cloud))
            return False
        services = s.get(nova + '/os-services', params={
            'binary': 'nova-compute', 'host': host}).json()['services']
        return any(x['state'] == 'up' for x in services)

    sb.wait_until(up, 'nova-compute on %s' % host, timeout=timeout,
                  name='%s-%s' % (name(cloud), host), interval=0.5)
