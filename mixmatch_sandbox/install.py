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

"""Install what the sandbox needs, idempotently.

Debian packages, one venv with OpenStack 2026.2 and mixmatch (patched into
Nova and Keystone), MariaDB and RabbitMQ running on loopback.
"""

import hashlib
import os
import shutil
import time

from mixmatch_sandbox import base

DEBIAN_PACKAGES = ['apache2', 'libapache2-mod-shib', 'xmlsec1',
                   'rabbitmq-server', 'mariadb-server', 'memcached']
# Versions: upper-constraints.txt.
PIP_PACKAGES = ['nova', 'cinder', 'keystone', 'glance', 'openstack-placement',
                'neutron', 'gunicorn', 'uwsgi', 'PyMySQL',
                'python-openstackclient', 'python-novaclient',
                # cinder's fake volume driver imports it
                'fixtures',
                # oslo.cache's memcached client, for the foreign Keystone
                'pymemcache',
                # the home cloud's dashboard, its static files served by
                # WhiteNoise under gunicorn
                'horizon', 'whitenoise']
PYTHON = 'python3.11'


def install(sb):
    debian(sb)
    infra(sb)
    venv(sb)


def debian(sb):
    missing = [p for p in DEBIAN_PACKAGES
               if sb.run(['dpkg', '-s', p], check=False,
                         log=sb.log('apt')) != 0]
    if not missing:
        return
    log = sb.log('apt')
    env = {'DEBIAN_FRONTEND': 'noninteractive'}
    with sb.step('apt-get install ' + ' '.join(missing), log):
        sb.run(['apt-get', 'update'], log=log, env=env)
        sb.run(['apt-get', 'install', '-y', '--no-install-recommends',
                *missing], log=log, env=env)


def _wait_port(port, what, timeout=60):
    deadline = time.monotonic() + timeout
    while not base.listening(port):
        if time.monotonic() > deadline:
            raise base.SandboxError('%s not listening on %d' % (what, port))
        time.sleep(0.5)


def infra(sb):
    """Use the machine's MariaDB and RabbitMQ; start them if needed.

    They are system services: ``down`` leaves them running.
    """
    if not base.listening(3306):
        with sb.step('start MariaDB', sb.log('mariadb')):
            sb.run(['start-stop-daemon', '--start', '--oknodo',
                    '--background', '--exec', '/usr/sbin/mariadbd'],
                   log=sb.log('mariadb'))
            _wait_port(3306, 'MariaDB')
    if not base.listening(5672):
        with sb.step('start RabbitMQ', sb.log('rabbitmq')):
            sb.run(['rabbitmq-server', '-detached'], log=sb.log('rabbitmq'))
            _wait_port(5672, 'RabbitMQ', timeout=120)


def _marker_hash():
    h = hashlib.sha256()
    for name in ('upper-constraints.txt', 'setup.cfg'):
        h.update((base.CHECKOUT / name).read_bytes())
    h.update(' '.join(PIP_PACKAGES).encode())
    return h.hexdigest()


def venv(sb):
    log = sb.log('pip')
    marker = sb.venv / '.mixmatch-installed'
    digest = _marker_hash()
    if not (marker.exists() and marker.read_text() == digest):
        if not os.path.exists(sb.python):
            with sb.step('create venv %s' % sb.venv, log):
                sb.run([shutil.which(PYTHON) or PYTHON, '-m', 'venv',
                        sb.venv], log=log)
        constraints = base.CHECKOUT / 'upper-constraints.txt'
        pip = [sb.python, '-m', 'pip', 'install', '-q',
               '--disable-pip-version-check', '-c', constraints]
        with sb.step('pip install OpenStack 2026.2 and mixmatch', log):
            sb.run(pip + PIP_PACKAGES, log=log)
            sb.run(pip + ['-e', base.CHECKOUT], log=log)
            sb.run([sb.python, '-m', 'pip', 'check'], log=log)
        marker.write_text(digest)
    for service in ('nova', 'keystone'):
        with sb.step('mixmatch-patch --service %s apply' % service, log):
            sb.run([sb.bin('mixmatch-patch'), '--service', service,
                    'apply'], log=log)
