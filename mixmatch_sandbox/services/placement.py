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

"""A cloud's Placement API (gunicorn)."""

from mixmatch_sandbox import credentials
from mixmatch_sandbox import services

__all__ = ['USER', 'name', 'prepare', 'start']

#: the service user, in its cloud
USER = 'placement'


def name(cloud: str) -> str:
    return services.name('placement', cloud)


def prepare(sb, cloud: str):
    """placement.conf, the schema and the WSGI module, unless it runs."""
    if sb.running(name(cloud)):
        return
    with sb.step('%s: placement config and schema' % cloud):
        conf = sb.etc(name(cloud), 'placement.conf')
        sb.write_ini(conf, {
            'DEFAULT': {'debug': False},
            'placement_database': {
                'connection': sb.database_url(name(cloud))},
            'api': {'auth_strategy': 'keystone'},
            'keystone_authtoken': credentials.authtoken(sb, cloud, USER),
        })
        sb.run([sb.bin('placement-manage'), '--config-file', conf,
                'db', 'sync'], log=sb.log(name(cloud) + '-manage'))
        sb.wsgi_module(name(cloud), 'placement.wsgi.api:application',
                       {'OS_PLACEMENT_CONFIG_DIR': conf.parent})


def start(sb, cloud: str):
    sb.gunicorn(name(cloud))
