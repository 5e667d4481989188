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

"""A cloud's neutron-server, API only (ML2, no agents).

Nova 34 lists ports on every server show, and compute calls Neutron on
reboot, start, shelve-offload and delete: servers boot with
``networks: none``, but Neutron must answer.
"""

from mixmatch_sandbox import credentials
from mixmatch_sandbox import services

__all__ = ['USER', 'name', 'prepare', 'start', 'warm_up']

#: the service user, in its cloud
USER = 'neutron'


def name(cloud: str) -> str:
    return services.name('neutron', cloud)


def prepare(sb, cloud: str, transport: str):
    """neutron.conf, the schema and the WSGI module, unless it runs."""
    if sb.running(name(cloud)):
        return
    with sb.step('%s: neutron config and schema' % cloud):
        conf = sb.etc(name(cloud), 'neutron.conf')
        paste = sb.copy_etc('neutron', 'api-paste.ini', name(cloud))
        state = sb.path('state', name(cloud), 'x').parent
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
            'database': {'connection': sb.database_url(name(cloud))},
            'keystone_authtoken': credentials.authtoken(sb, cloud, USER),
            'oslo_messaging_rabbit': services.MESSAGING,
            'ml2': {'type_drivers': 'flat,local',
                    'tenant_network_types': 'local',
                    'mechanism_drivers': '', 'extension_drivers': ''},
            'oslo_concurrency': {'lock_path': state / 'lock'},
        })
        sb.run([sb.bin('neutron-db-manage'), '--config-file', conf,
                'upgrade', 'heads'], log=sb.log(name(cloud) + '-manage'))
        sb.wsgi_module(name(cloud), 'neutron.wsgi.api:application',
                       {'OS_NEUTRON_CONFIG_DIR': conf.parent,
                        'OS_NEUTRON_CONFIG_FILES': 'neutron.conf'})


def start(sb, cloud: str):
    sb.gunicorn(name(cloud))


def warm_up(sb, cloud: str, session):
    """Make the first query, before Nova lists ports.

    neutron-server's first port list fails (Port.port_forwardings is
    unknown) unless a query has configured the ORM mappers before it.
    """
    session.get(sb.url(name(cloud), '/v2.0/networks'))
