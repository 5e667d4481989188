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

"""Nothing stranded: the home Nova finishes foreign cleanups by itself.

nova-conductor's periodic task (every ``[mixmatch] reconcile_interval``,
10 s in the sandbox; stuck after ``reconcile_grace``, 120 s) and the
operator's ``mixmatch-manage audit [--fix]`` compare the home Nova's
block device mappings with the attachments each provider lists for this
home, and act as Nova itself, with no user's token.
"""

import subprocess
import uuid

from mixmatch_sandbox.clouds import home
from mixmatch_sandbox.services import nova
from tests.integration import base

CINDER_API = 'cinder-foreign'
CINDER_VOLUME = 'cinder-foreign-volume'
#: After the provider answers again: one reconcile pass (10 s), one K2K
#: exchange and the calls, on a loaded machine.
BOUND = 90
#: A change counts as stuck after reconcile_grace (120 s); then a pass.
STUCK_BOUND = nova.RECONCILE['reconcile_grace'] + BOUND
ATTACHMENTS = 'volume 3.27'


class _ReconcileTestCase(base.TestCase):

    def audit(self, *args):
        """mixmatch-manage audit, where nova.conf is; (status, output)."""
        proc = subprocess.run(
            [self.sb.bin('mixmatch-manage'), '--config-file',
             str(nova.config_path(self.sb, home.CLOUD)), 'audit', *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return proc.returncode, proc.stdout

    def finding(self, output, resource):
        """The audit's table row about resource, or None."""
        return next((line for line in output.splitlines()
                     if resource in line), None)

    def foreign_call(self, cloud, method, path, version=ATTACHMENTS, **kw):
        s, url = self.clients.cinder(cloud)
        return s.request(url + path, method, raise_exc=False,
                         headers={'OpenStack-API-Version': version}, **kw)

    def attach_behind_novas_back(self, volume, server_id):
        """The demo user attaches volume at the provider, not via Nova.

        Federated from home, the connector names home as the owner.
        """
        resp = self.foreign_call('foreign', 'POST', '/attachments', json={
            'attachment': {'volume_uuid': volume, 'instance_uuid': server_id,
                           'connector': {'host': 'elsewhere',
                                         'initiator': 'fake',
                                         'ip': '127.0.0.1'}}})
        self.assertEqual(200, resp.status_code, resp.text)
        attachment = resp.json()['attachment']['id']
        resp = self.foreign_call('foreign', 'POST',
                                 '/attachments/%s/action' % attachment,
                                 'volume 3.44', json={'os-complete': None})
        self.assertEqual(204, resp.status_code, resp.text)
        self.clients.wait_volume('foreign', volume, 'in-use')
        return attachment


class TestAudit(_ReconcileTestCase):
    """The operator's audit.

    ``--fix --grace 0`` acts on everything, other tests' steps in flight
    too: these run alone.
    """

    DISRUPTIVE = True

    def uses_the_provider(self):
        """A server of the demo project with a foreign volume.

        Nova asks the providers, and the projects there, that its routes
        name: those its servers have had volumes of.
        """
        return self.attached_server()

    def test_audit_finds_and_fixes_a_stale_attachment(self):
        volume = self.volume('foreign')
        self.uses_the_provider()
        attachment = self.attach_behind_novas_back(volume,
                                                   str(uuid.uuid4()))
        status, output = self.audit()
        self.assertEqual(1, status, output)
        row = self.finding(output, attachment)
        self.assertIsNotNone(row, output)
        self.assertIn('unknown', row)
        self.assertEqual('in-use',
                         self.clients.volume('foreign', volume)['status'])

        status, output = self.audit('--fix', '--grace', '0')
        self.assertIn('released', self.finding(output, attachment), output)
        self.assertForeignAvailable(volume)
        self.assertIsNone(self.finding(self.audit()[1], attachment))

    def test_audit_sees_volumes_left_deleting(self):
        """Volumes left ``error_deleting``, or ``deleting``.

        Deleting: its delete not done, the provider's cinder-volume down.
        """
        failed, doomed = self.volume('foreign'), self.clients.create_volume(
            'foreign', self.name())
        self.uses_the_provider()
        # back, so that the cleanup deletes it
        self.addCleanup(self.foreign_call, 'foreign-admin', 'POST',
                        '/volumes/%s/action' % failed,
                        json={'os-reset_status': {'status': 'available'}})
        resp = self.foreign_call(
            'foreign-admin', 'POST', '/volumes/%s/action' % failed,
            json={'os-reset_status': {'status': 'error_deleting'}})
        self.assertEqual(202, resp.status_code, resp.text)
        self.sb.stop(CINDER_VOLUME)
        self.addCleanup(base.cli, self.sb, 'up')
        self.assertEqual(202, self.foreign_call(
            'foreign', 'DELETE', '/volumes/' + doomed).status_code)
        output = self.audit()[1]
        for volume, status in ((failed, 'error_deleting'),
                               (doomed, 'deleting')):
            row = self.finding(output, volume)
            self.assertIsNotNone(row, output)
            self.assertIn('stuck-volume', row)
            self.assertIn(status, row)
        # the delete waited in its (quorum) queue for cinder-volume
        proc = base.cli(self.sb, 'up')
        self.assertEqual(0, proc.returncode, proc.stdout[-2000:])
        self.wait_foreign_gone(doomed)


class TestReconcile(_ReconcileTestCase):

    def test_a_detach_lost_on_its_way_is_rolled_back(self):
        """A volume left detaching, with nothing in flight.

        As when the detach's message is lost (the broker restarted): the
        API marked the volume detaching, no compute host heard of it.
        The periodic task puts it back in use once stuck; the user's
        detach then works.
        """
        server, volume = self.attached_server()
        resp = self.foreign_call('foreign', 'POST',
                                 '/volumes/%s/action' % volume,
                                 json={'os-begin_detaching': None})
        self.assertEqual(202, resp.status_code, resp.text)
        self.assertEqual(400, self.request_detach(server, volume).status_code)
        self.clients.wait(
            lambda: self.clients.volume('foreign', volume)['status'],
            'in-use', 'foreign volume %s' % volume, timeout=STUCK_BOUND)
        self.assertForeignAttached(server, volume)
        self.assertEqual(202, self.request_detach(server, volume).status_code)
        self.clients.wait_volume('foreign', volume, 'available')
        self.assertForeignAvailable(volume)

    def test_hard_reboot_drops_a_stale_foreign_attachment(self):
        server, volume = self.attached_server()
        stale_volume = self.volume('foreign')
        stale = self.attach_behind_novas_back(stale_volume, server)
        self.action(server, 'reboot', {'type': 'HARD'})
        self.wait_server(server, 'ACTIVE')
        # Nova's reboot check saw it among the server's attachments, at
        # the provider, and deleted it; the server's own one stays.
        self.assertNotIn(stale, [a['id'] for a in
                                 self.foreign_attachments(stale_volume)])
        self.assertForeignAvailable(stale_volume)
        self.assertForeignAttached(server, volume)


class TestReconcileAfterOutage(_ReconcileTestCase):

    DISRUPTIVE = True

    def test_server_deleted_while_the_provider_is_down(self):
        kept = self.volume('foreign')
        # deleted with the server: no cleanup of its own
        doomed = self.clients.create_volume('foreign', self.name())
        server = self.clients.boot(self.name())
        self.attach_foreign(server, kept)
        self.attach_foreign(server, doomed, delete_on_termination=True)
        self.sb.stop(CINDER_API)
        self.addCleanup(base.cli, self.sb, 'up')
        self.clients.delete_server(server)
        proc = base.cli(self.sb, 'up')
        self.assertEqual(0, proc.returncode, proc.stdout[-2000:])
        self.clients.wait(
            lambda: self.clients.volume('foreign', kept)['status'],
            'available', 'foreign volume %s' % kept, timeout=BOUND)
        self.assertForeignAvailable(kept)
        self.wait_foreign_gone(doomed, timeout=BOUND)
