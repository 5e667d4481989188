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

"""Tests against the two-cloud sandbox, brought up if it is not running.

MIXMATCH_SANDBOX_DIR names its state directory (default: .sandbox in the
checkout), MIXMATCH_SANDBOX_PORT_BASE its first port (default: 25000).
"""

import fcntl
import os
import subprocess
import sys
import uuid

from keystoneauth1 import session as ks_session
from oslotest import base as oslotest_base

from mixmatch_sandbox import base
from mixmatch_sandbox.clouds import foreign
from mixmatch_sandbox.clouds import home
from mixmatch_sandbox import credentials
from mixmatch_sandbox import demo

_UP = {}


def cli(sb, *command):
    return subprocess.run(
        [sys.executable, '-m', 'mixmatch_sandbox.cli', '--dir', str(sb.dir),
         *command], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)


def sandbox(clouds=2):
    """The sandbox (of ``clouds`` clouds), up.

    stestr workers take turns bringing it up.
    """
    if 'sb' not in _UP:
        sb = base.Sandbox(os.environ.get('MIXMATCH_SANDBOX_DIR'))
        with open(sb.path('run', 'up.lock'), 'w') as lock, \
                open(sb.path('run', 'tests.lock'), 'w') as tests:
            fcntl.flock(lock, fcntl.LOCK_EX)
            # Not while a DISRUPTIVE test has stopped a service: it brings
            # the sandbox back up itself, and two ups at once collide.
            fcntl.flock(tests, fcntl.LOCK_SH)
            if cli(sb, 'status').returncode:
                proc = cli(sb, 'up', '--clouds', str(clouds))
                if proc.returncode:
                    raise base.SandboxError('mixmatch-sandbox up failed:\n%s'
                                            % proc.stdout[-3000:])
        _UP['sb'] = sb
    return _UP['sb']


def alone(test):
    """Run ``test`` alone, as a DISRUPTIVE one.

    For a test that changes what every other test sees while it runs: a
    service provider it registers at home shows in everyone's volume
    lists and quotas, and one that names the foreign cloud again lists
    its volumes twice.
    """
    test.alone = True
    return test


class TestCase(oslotest_base.BaseTestCase):

    #: A test that stops or restarts a service runs alone: it holds the
    #: sandbox exclusively, every other test holds it shared.
    DISRUPTIVE = False
    #: the sandbox's clouds, and the clients of its demo user
    CLOUDS = 2
    CLIENTS = demo.Clients
    #: the id the home Nova knows the foreign cloud by
    SERVICE_PROVIDER = foreign.SP_ID

    def setUp(self):
        super().setUp()
        self.sb = sandbox(self.CLOUDS)
        self._hold_sandbox()
        self.clients = self.CLIENTS(self.sb)

    def _hold_sandbox(self):
        lock = open(self.sb.path('run', 'tests.lock'), 'w')
        self.addCleanup(lock.close)   # closing releases the lock
        test = getattr(self, self._testMethodName)
        exclusive = self.DISRUPTIVE or getattr(test, 'alone', False)
        fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)

    def name(self):
        return 'mm-it-%s' % uuid.uuid4().hex[:8]

    def boot(self):
        server = self.clients.boot(self.name())
        self.addCleanup(self.clients.delete_server, server)
        return server

    def volume(self, cloud):
        """A volume of cloud, deleted at cleanup.

        Make it before the server: cleanups run last in, first out, so the
        server (and with it the attachment) goes first.
        """
        volume = self.clients.create_volume(cloud, self.name())
        self.addCleanup(self.clients.delete_volume, cloud, volume)
        return volume

    # the server's lifecycle

    def compute(self, method, path, version=None, **kw):
        """A call to the home Nova as the demo user."""
        if version is None:
            return self.clients._compute(method, path, **kw)
        return self.clients.home.request(
            self.clients.nova + path, method,
            headers={'OpenStack-API-Version': 'compute ' + version}, **kw)

    def action(self, server, action, args=None):
        """POST a server action; the API sets the task state before 202."""
        self.compute('POST', '/servers/%s/action' % server,
                     json={action: args})

    def admin_action(self, server, action, args=None, version='2.1',
                     session=None):
        """POST a server action as an admin; the response.

        Moves and offloads are the admin's by Nova's default policy. By
        default the home admin scoped to the demo project, whose token
        reaches the server's foreign volumes (nova_mixmatch.moves).
        """
        session = session or ks_session.Session(
            auth=credentials.password_auth(self.sb, home.CLOUD,
                                           credentials.ADMIN,
                                           credentials.DEMO))
        return session.post(
            self.clients.nova + '/servers/%s/action' % server,
            json={action: args}, raise_exc=False,
            headers={'OpenStack-API-Version': 'compute ' + version})

    def wait_server(self, server, status, timeout=60):
        """Wait until the server is in status with no task under way."""
        def state():
            s = self.clients.server(server)
            return s['status'], s['OS-EXT-STS:task_state']
        self.clients.wait(state, (status, None), 'server %s' % server,
                          timeout=timeout)

    def home_user(self, role, project):
        """A session of a new home user with role on project.

        The user is deleted at cleanup.
        """
        return self.home_user_named(role, project)[1]

    def home_user_named(self, role, project):
        """(name, session) of a new home user with role on project."""
        admin = credentials.admin_session(self.sb, home.CLOUD)
        keystone = self.sb.keystone_url(home.CLOUD)
        name, password = self.name(), uuid.uuid4().hex
        user = admin.post(keystone + '/users', json={'user': {
            'name': name, 'password': password,
            'domain_id': 'default'}}).json()['user']['id']
        self.addCleanup(admin.delete, keystone + '/users/' + user)
        project_id = admin.get(keystone + '/projects', params={
            'name': project}).json()['projects'][0]['id']
        role_id = admin.get(keystone + '/roles', params={
            'name': role}).json()['roles'][0]['id']
        admin.put(keystone + '/projects/%s/users/%s/roles/%s'
                  % (project_id, user, role_id))
        return name, ks_session.Session(auth=credentials.password_auth(
            self.sb, home.CLOUD, name, project, password))

    def host(self, server):
        """The compute host of server; only the home admin sees it."""
        return credentials.admin_session(self.sb, home.CLOUD).get(
            self.clients.nova + '/servers/' + server).json()['server'][
                'OS-EXT-SRV-ATTR:host']

    def request_attach(self, server, volume, session=None, **extra):
        """POST an attach of a foreign volume; the response.

        session: whose request (default: the demo user's).
        """
        body = dict(volumeId=volume, service_provider=self.SERVICE_PROVIDER,
                    **extra)
        return (session or self.clients.home).post(
            self.clients.nova + '/servers/%s/os-volume_attachments' % server,
            json={'volumeAttachment': body}, raise_exc=False,
            headers={'OpenStack-API-Version': demo.COMPUTE_VERSION})

    def request_detach(self, server, volume, session=None):
        """DELETE the server's attachment of volume; the response."""
        return (session or self.clients.home).delete(
            self.clients.nova + '/servers/%s/os-volume_attachments/%s'
            % (server, volume), raise_exc=False)

    def attach_foreign(self, server, volume, session=None, **extra):
        """Attach a foreign volume and wait until the SP has it in-use."""
        resp = self.request_attach(server, volume, session, **extra)
        self.assertEqual(200, resp.status_code, resp.text)
        self.clients.wait_volume('foreign', volume, 'in-use')

    def attached_server(self):
        """A server with one foreign volume attached: (server, volume)."""
        volume = self.volume('foreign')
        server = self.boot()
        self.attach_foreign(server, volume)
        self.assertForeignAttached(server, volume)
        return server, volume

    def home_attachments(self, server):
        """{volume id: attachment id} of the server's BDMs (home Nova).

        2.89 is the first microversion that shows the attachment id.
        """
        return {a['volumeId']: a['attachment_id'] for a in self.compute(
            'GET', '/servers/%s/os-volume_attachments' % server,
            version='2.89').json()['volumeAttachments']}

    def foreign_attachments(self, volume):
        """The SP's attachments of volume, as its admin, any status."""
        s, url = self.clients.cinder('foreign-admin')
        return s.get(url + '/attachments/detail',
                     params={'all_tenants': 1, 'volume_id': volume},
                     headers={'OpenStack-API-Version': demo.VOLUME_VERSION}
                     ).json()['attachments']

    def assertForeignAttached(self, server, volume):
        """Both clouds agree: volume is attached to server.

        Home: a BDM of the server names the volume. SP, as its admin: the
        volume is in-use with one attachment, to that server on its home
        compute host, the very attachment the BDM names.
        """
        attachment = self.home_attachments(server).get(volume)
        self.assertIsNotNone(attachment, 'no BDM of %s for %s'
                             % (server, volume))
        seen = self.clients.volume('foreign-admin', volume)
        self.assertEqual(
            ('in-use', [(server, self.host(server), attachment)]),
            (seen['status'], [(a['server_id'], a['host_name'],
                               a['attachment_id'])
                              for a in seen['attachments']]))
        return attachment

    def assertForeignAvailable(self, volume):
        """The SP has the volume, available, attached to nothing."""
        seen = self.clients.volume('foreign-admin', volume)
        self.assertEqual(('available', []),
                         (seen['status'], seen['attachments']))
        self.assertEqual([], self.foreign_attachments(volume))

    def assertDetachRetried(self, server, volume, attachment, session=None):
        """After a refused detach: nothing changed, and the retry detaches.

        The server is ACTIVE and both clouds still hold attachment; the
        same detach, once the fault is over, leaves the volume available
        at the SP with no BDM for it at home.
        """
        self.wait_server(server, 'ACTIVE')
        self.assertEqual(attachment,
                         self.assertForeignAttached(server, volume))
        self.assertEqual(202, self.request_detach(
            server, volume, session).status_code)
        self.clients.wait_volume('foreign', volume, 'available')
        self.clients.wait(lambda: self.home_attachments(server), {},
                          'server %s attachments' % server)
        self.assertForeignAvailable(volume)

    def wait_foreign_gone(self, volume, timeout=60):
        s, url = self.clients.cinder('foreign-admin')
        self.clients.wait(
            lambda: s.get(url + '/volumes/' + volume,
                          raise_exc=False).status_code,
            404, 'foreign volume %s deleted' % volume, timeout=timeout)
