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

"""A cloud's Glance API (gunicorn), its images in a file store."""

from mixmatch_sandbox import credentials
from mixmatch_sandbox import services

__all__ = ['USER', 'name', 'images_url', 'prepare', 'start']

#: the service user, in its cloud
USER = 'glance'


def name(cloud: str) -> str:
    return services.name('glance', cloud)


def images_url(sb, cloud: str) -> str:
    return sb.url(name(cloud), '/v2/images')


def prepare(sb, cloud: str, transport: str):
    """glance-api.conf, the schema and the WSGI module, unless it runs."""
    if sb.running(name(cloud)):
        return
    with sb.step('%s: glance config and schema' % cloud):
        conf = sb.etc(name(cloud), 'glance-api.conf')
        data = sb.path('state', name(cloud), 'x').parent
        sb.copy_etc('glance', 'glance-api-paste.ini', name(cloud))
        sb.write_ini(conf, {
            'DEFAULT': {'debug': False, 'enabled_backends': 'fs:file',
                        'transport_url': transport},
            'database': {'connection': sb.database_url(name(cloud))},
            'keystone_authtoken': credentials.authtoken(sb, cloud, USER),
            'oslo_messaging_rabbit': services.MESSAGING,
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
               log=sb.log(name(cloud) + '-manage'))
        sb.wsgi_module(name(cloud), 'glance.wsgi.api:application',
                       {'OS_GLANCE_CONFIG_DIR': conf.parent})


def start(sb, cloud: str):
    sb.gunicorn(name(cloud))
