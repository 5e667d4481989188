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

"""The home cloud's dashboard: Horizon with mixmatch's plugin, under
gunicorn, logging users in against the home Keystone.

Installed as Horizon plugins are: the plugin's enabled files copied into
``openstack_dashboard/local/enabled/`` and the settings in
``openstack_dashboard/local/local_settings.py`` of the sandbox venv. The
static files are collected and compressed once (``DEBUG`` is off, as in
production) and served by WhiteNoise in the same process.
"""

import pathlib
import shutil

from mixmatch_dashboard import enabled


__all__ = ['NAME', 'prepare', 'start', 'url']

NAME = 'horizon'
SETTINGS = 'openstack_dashboard.settings'
#: served by the WSGI module, before Horizon sees the request
WSGI = 'mixmatch_sandbox.horizon_wsgi:application'


def url(sb, path='/'):
    return sb.url(NAME, path)


def _dashboard():
    """The installed openstack_dashboard package.

    Imported here: only the sandbox venv has Horizon.
    """
    import openstack_dashboard
    return pathlib.Path(openstack_dashboard.__file__).parent


def _enabled_files():
    return sorted(pathlib.Path(enabled.__file__).parent.glob('_[0-9]*.py'))


def local_settings(sb, cloud: str) -> str:
    return (
        '# Written by mixmatch-sandbox.\n'
        'DEBUG = False\n'
        'ALLOWED_HOSTS = [%(host)r]\n'
        'SECRET_KEY = %(secret)r\n'
        'OPENSTACK_KEYSTONE_URL = %(keystone)r\n'
        'OPENSTACK_KEYSTONE_DEFAULT_ROLE = "member"\n'
        'OPENSTACK_ENDPOINT_TYPE = "publicURL"\n'
        # plain HTTP on loopback: TLS is verified wherever there is some
        'SESSION_COOKIE_SECURE = False\n'
        'CSRF_COOKIE_SECURE = False\n'
        # sessions in its one process's memory (one gunicorn worker), not
        # in the machine's memcached, which other sandboxes may share
        'CACHES = {"default": {"BACKEND": '
        '"django.core.cache.backends.locmem.LocMemCache"}}\n'
        'STATIC_ROOT = %(static)r\n'
        'COMPRESS_OFFLINE = True\n'
        # neutron-server runs without agents: no routers or floating IPs
        'OPENSTACK_NEUTRON_NETWORK = {"enable_router": False, '
        '"enable_quotas": False, "enable_fip_topology_check": False}\n'
        % {'host': sb.address(NAME).partition(':')[0],
           'secret': sb.secret('%s-horizon-secret-key' % cloud),
           'keystone': sb.keystone_url(cloud),
           'static': str(sb.path('horizon', 'static', 'x').parent)})


def prepare(sb, cloud: str):
    """Settings, enabled files and static files, unless it runs."""
    if sb.running(NAME):
        return
    with sb.step('%s: horizon settings, plugin and static files' % cloud):
        local = _dashboard() / 'local'
        for path in _enabled_files():
            shutil.copyfile(path, local / 'enabled' / path.name)
        settings = local / 'local_settings.py'
        settings.write_text(local_settings(sb, cloud))
        settings.chmod(0o600)   # the secret key
        env = {'DJANGO_SETTINGS_MODULE': SETTINGS}
        log = sb.log(NAME + '-manage')
        sb.run([sb.python, '-m', 'django', 'collectstatic', '--noinput',
                '--verbosity', '0'], log=log, env=env)
        sb.run([sb.python, '-m', 'django', 'compress', '--force',
                '--verbosity', '0'], log=log, env=env)
        sb.wsgi_module(NAME, WSGI, {'DJANGO_SETTINGS_MODULE': SETTINGS})


def start(sb, cloud: str):
    sb.gunicorn(NAME, '/auth/login/')
