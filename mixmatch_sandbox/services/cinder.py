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

"""A cloud's Cinder: api (gunicorn), scheduler and volume, on Cinder's
fake driver.

The storage backend is the one stub: Cinder's own fake driver (no data
path); everything else is real Cinder.
"""

import typing

from mixmatch_sandbox import base
from mixmatch_sandbox import credentials
from mixmatch_sandbox import services

__all__ = ['USER', 'BACKEND', 'VOLUME_TYPE', 'REPORTING', 'HomeCallbacks',
           'name', 'url', 'prepare', 'start', 'wait_for_backends']

#: the service user, in every cloud
USER = 'cinder'
#: the backend every cloud's Cinder has
BACKEND = 'fake'
#: the default volume type, of BACKEND (``seed.ensure_volume_type``)
VOLUME_TYPE = 'fake'
#: cinder.conf [DEFAULT]: the volume service reports its backend to the
#: scheduler every periodic_interval, first after up to periodic_fuzzy_delay
#: (60 s and 60 s by default): report at once, then every 10 s.
REPORTING = {'periodic_interval': 10, 'periodic_fuzzy_delay': 0}
_FAKE_DRIVER = 'cinder.tests.fake_driver.FakeLoggingVolumeDriver'


class HomeCallbacks(typing.NamedTuple):
    """Whom a provider's Cinder calls about servers of another cloud.

    That cloud's Nova, as the application credential of one of its users
    (``cinder_mixmatch``; made by the K2K wiring).
    """
    cloud: str
    user: str
    credential: str


def name(cloud: str) -> str:
    return services.name('cinder', cloud)


def url(sb, cloud: str, project_id: str) -> str:
    """The Cinder v3 API of cloud for project_id."""
    return sb.url(name(cloud), '/v3/' + project_id)


def _manage_log(sb, cloud):
    return sb.log(name(cloud) + '-manage')


def prepare(sb, cloud: str, transport: str, host: str,
            backends=(BACKEND,), callbacks: HomeCallbacks | None = None):
    """cinder.conf, the schema and the WSGI module, unless Cinder runs.

    :param host: the volume service's host (volumes are on <host>@<backend>)
    :param backends: the enabled backends, on the fake driver
    :param callbacks: where a provider's Cinder calls Nova back; by
        default, the cloud's own Nova as the service user
    """
    service = name(cloud)
    if sb.running(service):
        return
    log = _manage_log(sb, cloud)
    with sb.step('%s: cinder config and schema' % cloud, log):
        conf = sb.etc(service, 'cinder.conf')
        paste = sb.copy_etc('cinder', 'api-paste.ini', service)
        # without it nova-compute's attachment queries get 400
        filters = sb.copy_etc('cinder', 'resource_filters.json', service)
        state = sb.path('state', service, 'x').parent
        sections = {
            'DEFAULT': {'debug': False, 'transport_url': transport,
                        'auth_strategy': 'keystone', 'host': host,
                        'my_ip': base.HOST, 'state_path': state,
                        'api_paste_config': paste,
                        'resource_query_filters_file': filters,
                        'enabled_backends': ','.join(backends),
                        'default_volume_type': VOLUME_TYPE,
                        **REPORTING},
            'database': {'connection': sb.database_url(service)},
            'keystone_authtoken': credentials.authtoken(sb, cloud, USER),
            'oslo_messaging_rabbit': services.MESSAGING,
        }
        if not callbacks:
            # Cinder's calls back to Nova (external events)
            sections['nova'] = dict(credentials.service_auth(sb, cloud, USER),
                                    interface='public')
        for backend in backends:
            sections[backend] = {'volume_driver': _FAKE_DRIVER,
                                 'volume_backend_name': backend}
        sections['oslo_concurrency'] = {'lock_path': state / 'lock'}
        sb.write_ini(conf, sections)
        if callbacks:
            _call_back_home(sb, conf, callbacks, log)
        sb.run([sb.bin('cinder-manage'), '--config-file', conf, 'db',
                'sync'], log=log)
        sb.wsgi_module(service, 'cinder.wsgi.api:application',
                       argv=['--config-file', conf])


def _call_back_home(sb, conf, home: HomeCallbacks, log):
    """Callbacks about servers of the home cloud go to its Nova.

    The command the devstack plugin runs.
    """
    sb.run([sb.bin('mixmatch-configure'), 'cinder', '--config-file', conf,
            '--home-cloud', home.cloud,
            '--home-auth-url', sb.keystone_url(home.cloud),
            '--application-credential-name', home.credential,
            '--username', home.user, '--region-name', credentials.REGION],
           log=log, env={'MIXMATCH_APPLICATION_CREDENTIAL_SECRET':
                         credentials.secret(sb, home.cloud, home.credential)})


def start(sb, cloud: str):
    """Scheduler, volume and api; wait until the api answers."""
    conf = sb.etc(name(cloud), 'cinder.conf')
    for service in ('scheduler', 'volume'):
        sb.start('%s-%s' % (name(cloud), service),
                 [sb.bin('cinder-' + service), '--config-file', conf])
    sb.gunicorn(name(cloud))


def wait_for_backends(sb, cloud: str, session, timeout=60):
    """Wait until the scheduler knows the backends.

    The volume service announces its backend to the scheduler by a fanout
    that is lost when the scheduler's queue does not exist yet; it repeats
    it periodically (REPORTING). Wait for it here rather than fail the
    first volumes.

    :param session: an admin's keystoneauth session
    """
    pools = url(sb, cloud, session.get_project_id()) + (
        '/scheduler-stats/get_pools')
    sb.wait_until(lambda: session.get(pools).json()['pools'],
                  'the backends of the %s Cinder scheduler' % cloud,
                  timeout=timeout,
                  log=sb.log(name(cloud) + '-scheduler'), interval=1)
