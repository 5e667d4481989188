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

"""The cross-cloud attach, as the home demo user: a server at home, a
volume in the foreign cloud reached through K2K, attach, both clouds'
views, detach. With three clouds, as MOC's demo user: a server at NU and
a volume at BU, each by K2K from MOC, attached at NU by chained K2K,
every cloud's view. The clients here are used by the integration tests
too."""

import json
import time
import uuid

from keystoneauth1 import session as ks_session

from mixmatch_sandbox import base
from mixmatch_sandbox import clouds
from mixmatch_sandbox.clouds import federation
from mixmatch_sandbox.clouds import foreign
from mixmatch_sandbox.clouds import moc
from mixmatch_sandbox import credentials
from mixmatch_sandbox import seed
from mixmatch_sandbox.services import cinder
from mixmatch_sandbox.services import glance
from mixmatch_sandbox.services import nova

# any microversion takes service_provider; 2.79 still answers the attach
# with its body (2.101+ answers a bare 202)
COMPUTE_VERSION = 'compute 2.79'
VOLUME_VERSION = 'volume 3.27'   # the attachments API
#: MOC's demo's project at NU and at BU, in domain moc (the default
#: mapping)
K2K_PROJECT = 'k2k-' + credentials.DEMO
#: States that waiting longer will not change.
FAILED = ('ERROR', 'error', 'error_deleting')


class Clients:
    """The home demo user's view of both clouds, with its own sessions."""

    def __init__(self, sb, user=credentials.DEMO, project=credentials.DEMO):
        self.sb = sb
        self.home_auth = credentials.password_auth(sb, clouds.HOME, user,
                                                   project)
        # the user's password login, which the command lines repeat
        self.password_auth = self.home_auth
        self.home = ks_session.Session(auth=self.home_auth)
        # the foreign cloud, through K2K from the home token: no foreign
        # password anywhere
        self.k2k_auth = federation.k2k_auth(self.home_auth, project)
        self.foreign = ks_session.Session(auth=self.k2k_auth)
        # only an admin sees an attachment's host: for display and checks
        self.foreign_admin = credentials.admin_session(sb, clouds.FOREIGN)
        self.nova = nova.api_url(sb, clouds.HOME)

    def cli_environment(self):
        """OS_* variables of the user's password login, for the CLIs."""
        auth = self.password_auth
        return {'OS_AUTH_URL': auth.auth_url,
                'OS_USERNAME': auth.auth_methods[0].username,
                'OS_PASSWORD': auth.auth_methods[0].password,
                'OS_PROJECT_NAME': auth.project_name,
                'OS_USER_DOMAIN_ID': 'default',
                'OS_PROJECT_DOMAIN_ID': 'default'}

    # Nova

    def _compute(self, method, path, **kw):
        return self.home.request(
            self.nova + path, method,
            headers={'OpenStack-API-Version': COMPUTE_VERSION}, **kw)

    def boot(self, name):
        s = self.home
        flavor = [f['id'] for f in self._compute('GET', '/flavors').json()[
            'flavors'] if f['name'] == seed.FLAVOR][0]
        image = s.get(glance.images_url(self.sb, clouds.HOME),
                      params={'name': seed.IMAGE}).json()['images'][0]['id']
        server = self._compute('POST', '/servers', json={'server': {
            'name': name, 'imageRef': image, 'flavorRef': flavor,
            'networks': 'none'}}).json()['server']
        self.wait(lambda: self.server(server['id'])['status'], 'ACTIVE',
                  'server %s' % server['id'])
        return server['id']

    def server(self, server_id):
        return self._compute('GET', '/servers/' + server_id).json()['server']

    def delete_server(self, server_id):
        self._compute('DELETE', '/servers/' + server_id)
        self.wait(lambda: self._compute(
            'GET', '/servers/' + server_id, raise_exc=False).status_code,
            404, 'server %s deleted' % server_id)

    def attach(self, server_id, volume_id, service_provider=None,
               raise_exc=True):
        body = {'volumeId': volume_id}
        if service_provider:
            body['service_provider'] = service_provider
        return self._compute(
            'POST', '/servers/%s/os-volume_attachments' % server_id,
            json={'volumeAttachment': body}, raise_exc=raise_exc)

    def detach(self, server_id, volume_id):
        self._compute('DELETE', '/servers/%s/os-volume_attachments/%s'
                      % (server_id, volume_id))

    def attachments(self, server_id):
        return self._compute(
            'GET', '/servers/%s/os-volume_attachments'
            % server_id).json()['volumeAttachments']

    # Cinder, at home or in the foreign cloud

    def cinder(self, cloud):
        """(session, base url) of a cloud's Cinder for this user.

        cloud: 'home', 'foreign' or 'foreign-admin'.
        """
        if cloud == clouds.HOME:
            s = self.home
            return s, cinder.url(self.sb, cloud, s.get_project_id())
        s = self.foreign_admin if cloud == 'foreign-admin' else self.foreign
        return s, s.get_endpoint(service_type='block-storage',
                                 interface='public')

    def _volume_call(self, cloud, method, path, **kw):
        s, url = self.cinder(cloud)
        if cloud == 'foreign-admin':
            # the demo's volumes live in the demo user's project there
            path += '?all_tenants=1' if path == '/volumes' else ''
        return s.request(url + path, method,
                         headers={'OpenStack-API-Version': VOLUME_VERSION},
                         **kw)

    def create_volume(self, cloud, name, size=1):
        volume = self._volume_call(cloud, 'POST', '/volumes', json={
            'volume': {'name': name, 'size': size}}).json()['volume']
        self.wait_volume(cloud, volume['id'], 'available')
        return volume['id']

    def volume(self, cloud, volume_id):
        return self._volume_call(cloud, 'GET',
                                 '/volumes/' + volume_id).json()['volume']

    def volumes(self, cloud):
        return self._volume_call(cloud, 'GET', '/volumes').json()['volumes']

    def wait_volume(self, cloud, volume_id, status):
        self.wait(lambda: self.volume(cloud, volume_id)['status'], status,
                  '%s volume %s' % (cloud, volume_id))

    def delete_volume(self, cloud, volume_id):
        """Delete the volume and wait until its cloud has deleted it.

        Whoever stops the clouds next must not leave it ``deleting``.
        """
        self._volume_call(cloud, 'DELETE', '/volumes/' + volume_id)
        self.wait(lambda: self._deleted(cloud, volume_id), True,
                  '%s volume %s deleted' % (cloud, volume_id))

    def _deleted(self, cloud, volume_id):
        """True once gone; else the volume's status."""
        resp = self._volume_call(cloud, 'GET', '/volumes/' + volume_id,
                                 raise_exc=False)
        return resp.status_code == 404 or resp.json()['volume']['status']

    @staticmethod
    def wait(get, want, what, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            got = get()
            if got == want:
                return
            if got in FAILED or time.monotonic() > deadline:
                raise base.SandboxError('%s is %s, not %s'
                                        % (what, got, want))
            time.sleep(0.1)


class MocClients(Clients):
    """MOC's demo user with three clouds: its password is MOC's only.

    ``home`` is its session at NU (the home cloud), ``foreign`` at BU (the
    foreign cloud), each by K2K from its MOC token, in the project MOC's
    mapping gives its MOC project there.
    """

    def __init__(self, sb, user=credentials.DEMO, project=credentials.DEMO):
        self.sb = sb
        self.password_auth = credentials.password_auth(sb, moc.CLOUD, user,
                                                       project)
        self.home_auth = federation.k2k(self.password_auth, moc.NU, project,
                                        moc.CLOUD)
        self.home = ks_session.Session(auth=self.home_auth)
        self.k2k_auth = federation.k2k(self.password_auth, moc.BU, project,
                                       moc.CLOUD)
        self.foreign = ks_session.Session(auth=self.k2k_auth)
        self.foreign_admin = credentials.admin_session(sb, clouds.FOREIGN)
        self.nova = nova.api_url(sb, clouds.HOME)

    def openstack_argv(self, provider=None):
        """``openstack`` as MOC's demo, of clouds.yaml's ``moc-demo``.

        With provider, logged in there by osc-lib's K2K, in the project
        MOC's mapping gives the user's MOC project.
        """
        argv = [self.sb.bin('openstack'), '--os-cloud',
                '%s-%s' % (moc.CLOUD, credentials.DEMO)]
        if provider:
            argv += ['--os-service-provider', provider,
                     '--os-remote-project-name', K2K_PROJECT,
                     '--os-remote-project-domain-name', moc.CLOUD]
        return argv


def _timed(timings, label, func, *args):
    t0 = time.monotonic()
    result = func(*args)
    timings.append((label, time.monotonic() - t0))
    return result


def _show(title, value):
    print('  %s:\n    %s' % (title, json.dumps(value, indent=2,
                                               sort_keys=True)
                             .replace('\n', '\n    ')))


def _foreign_view(volume):
    return {'id': volume['id'], 'status': volume['status'],
            'attachments': [{'server_id': a['server_id'],
                             'host_name': a.get('host_name'),
                             'attachment_id': a['attachment_id']}
                            for a in volume['attachments']]}


def run(sb):
    """The demo proper, on a sandbox that is up. Returns the timings."""
    timings = []
    c = Clients(sb)
    name = 'mixmatch-demo-%s' % uuid.uuid4().hex[:6]
    print('\n== As home-demo: a server at home, a volume in the foreign '
          'cloud (K2K)')
    server = _timed(timings, 'boot a server at home (to ACTIVE)',
                    c.boot, name)
    _timed(timings, 'K2K: token at the foreign cloud from the home token',
           c.foreign.get_token)
    volume = _timed(timings, 'create a volume in the foreign cloud',
                    c.create_volume, 'foreign', name)
    print('  server %s at home, volume %s in cloud %r'
          % (server, volume, foreign.SP_ID))
    try:
        print('\n== Attach with the command line option')
        _timed(timings, 'cross-cloud attach (to in-use)', _attach, c,
               server, volume)
        print('  home Nova, the server\'s attachments:')
        _show('GET /servers/%s/os-volume_attachments' % server,
              c.attachments(server))
        print('  foreign Cinder, the volume (as the foreign admin, who '
              'sees the host):')
        _show('GET /volumes/%s' % volume,
              _foreign_view(c.volume('foreign-admin', volume)))

        print('\n== Detach')
        _timed(timings, 'cross-cloud detach (to available)', _detach, c,
               server, volume)
        _show('home Nova, the server\'s attachments', c.attachments(server))
        _show('foreign Cinder, the volume',
              _foreign_view(c.volume('foreign-admin', volume)))
    finally:
        c.delete_server(server)
        c.delete_volume('foreign', volume)
    return timings


def run3(sb):
    """The three-cloud demo, on a sandbox of three clouds that is up.

    As MOC's demo user, whose password is MOC's only: a server at NU and
    a volume at BU, each through K2K from MOC; the attach and the detach
    with the openstack command line at NU, which reaches BU by chained
    K2K. Returns the timings.
    """
    timings = []
    c = MocClients(sb)
    name = 'mixmatch-demo-%s' % uuid.uuid4().hex[:6]
    print('\n== As moc-demo: a server at NU, a volume at BU, each by K2K '
          'from MOC')
    server = _timed(timings, 'K2K from MOC, boot a server at NU (to '
                    'ACTIVE)', c.boot, name)
    volume = _timed(timings, 'K2K from MOC, create a volume at BU',
                    c.create_volume, 'foreign', name)
    print('  server %s at NU, volume %s at BU' % (server, volume))
    cli = c.openstack_argv(moc.NU)
    try:
        print('\n== Attach at NU, the volume of BU (chained K2K)')
        _timed(timings, 'three-cloud attach (to in-use)', _run_cli, c,
               cli + ['server', 'add', 'volume', server, volume,
                      '--service-provider', moc.BU])
        c.wait_volume('foreign', volume, 'in-use')
        _show_three_clouds(c, server, volume)

        print('\n== Detach')
        _timed(timings, 'three-cloud detach (to available)', _run_cli, c,
               cli + ['server', 'remove', 'volume', server, volume,
                      '--service-provider', moc.BU])
        c.wait_volume('foreign', volume, 'available')
        c.wait(lambda: c.attachments(server), [], 'server attachments')
        _show_three_clouds(c, server, volume)
    finally:
        c.delete_server(server)
        c.delete_volume('foreign', volume)
    return timings


def _run_cli(c, argv):
    """Run an openstack command line as MOC's demo, showing it."""
    print('  $ openstack ' + ' '.join(argv[1:]))
    out = c.sb.run(argv, capture=True,
                   env={'OS_CLIENT_CONFIG_FILE': str(c.sb.clouds_yaml())})
    if out.strip():
        print('    ' + out.rstrip().replace('\n', '\n    '))


def _show_three_clouds(c, server, volume):
    """Each cloud's own view of the server and the volume."""
    _show('NU\'s Nova, the server\'s attachments', c.attachments(server))
    s, url = c.cinder(clouds.HOME)
    _show('NU\'s Cinder, the volume (HTTP status)',
          s.get(url + '/volumes/' + volume, raise_exc=False).status_code)
    _show('BU\'s Cinder, the volume, as BU\'s admin (who sees the host)',
          _foreign_view(c.volume('foreign-admin', volume)))
    print('  MOC (a Keystone only): its user\'s list of the volumes at BU, '
          'by its own K2K:')
    _run_cli(c, c.openstack_argv() + [
        'mixmatch', 'volume', 'list', '--service-provider', moc.BU,
        '--name', c.volume('foreign', volume)['name']])


def _attach(c, server, volume):
    """With the nova command line and mixmatch's extra option."""
    argv = ['volume-attach', server, volume,
            '--service-provider', foreign.SP_ID]
    print('  $ nova ' + ' '.join(argv))
    print(c.sb.run([c.sb.bin('nova'), '--os-compute-api-version',
                    COMPUTE_VERSION.split()[1]] + argv,
                   env=c.cli_environment(), capture=True).rstrip())
    c.wait_volume('foreign', volume, 'in-use')


def _detach(c, server, volume):
    c.detach(server, volume)
    c.wait_volume('foreign', volume, 'available')
    c.wait(lambda: c.attachments(server), [], 'server attachments')


def main(sb, keep, up):
    up()
    bring_up = sb.elapsed()   # since the command started: install included
    try:
        timings = (run3 if sb.cloud_count == 3 else run)(sb)
    finally:
        if not keep:
            print()
            with sb.step('sandbox down (--keep leaves it running)'):
                sb.stop_all()
    print('\n== Timings')
    print('  %-55s %6.2f s' % ('bring-up (mixmatch-sandbox up)', bring_up))
    for label, seconds in timings:
        print('  %-55s %6.2f s' % (label, seconds))
    return 0
