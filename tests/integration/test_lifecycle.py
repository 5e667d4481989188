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

"""A foreign volume attached to a home server, through its lifecycle.

After each step both clouds are asked: the home Nova still has the block
device mapping, and the foreign Cinder (as its admin) has the volume
in-use, attached to that server on the home compute host by the very
attachment the mapping names. Moves between the two compute hosts are in
test_migration.
"""

from tests.integration import base


class TestLifecycle(base.TestCase):

    def _round_trip(self, *steps):
        """Run (action, args, status) steps; both views hold after each."""
        server, volume = self.attached_server()
        attachment = self.home_attachments(server)[volume]
        for action, args, status in steps:
            self.action(server, action, args)
            self.wait_server(server, status)
            self.assertEqual(attachment,
                             self.assertForeignAttached(server, volume),
                             'attachment changed after %s' % action)

    def test_soft_reboot(self):
        # reboot runs Nova's _delete_dangling_bdms
        self._round_trip(('reboot', {'type': 'SOFT'}, 'ACTIVE'))

    def test_hard_reboot(self):
        self._round_trip(('reboot', {'type': 'HARD'}, 'ACTIVE'))

    def test_stop_start(self):
        self._round_trip(('os-stop', None, 'SHUTOFF'),
                         ('os-start', None, 'ACTIVE'))

    def test_pause_unpause(self):
        self._round_trip(('pause', None, 'PAUSED'),
                         ('unpause', None, 'ACTIVE'))

    def test_suspend_resume(self):
        self._round_trip(('suspend', None, 'SUSPENDED'),
                         ('resume', None, 'ACTIVE'))

    def test_shelve_offload_unshelve(self):
        """Shelve keeps it, offload swaps it, unshelve completes it.

        The foreign volume is never let go: while offloaded the SP holds
        it reserved for the server by a connector-less attachment.
        """
        server, volume = self.attached_server()
        before = self.home_attachments(server)[volume]

        # shelved_offload_time is -1 in the sandbox: it stays on its host
        self.action(server, 'shelve')
        self.wait_server(server, 'SHELVED')
        self.assertEqual(before, self.assertForeignAttached(server, volume))

        self.assertEqual(202, self.admin_action(
            server, 'shelveOffload').status_code)
        self.wait_server(server, 'SHELVED_OFFLOADED')
        offloaded = self.home_attachments(server)[volume]
        self.assertNotEqual(before, offloaded)
        # the SP holds the volume for the server by the new attachment,
        # reserved (no host, no connector) until the server lands again
        self.assertEqual(
            [(offloaded, server, 'reserved')],
            [(a['id'], a['instance'], a['status'])
             for a in self.foreign_attachments(volume)])
        self.assertEqual('reserved',
                         self.clients.volume('foreign-admin',
                                             volume)['status'])

        self.action(server, 'unshelve')
        self.wait_server(server, 'ACTIVE')
        self.assertEqual(offloaded,
                         self.assertForeignAttached(server, volume))

    def test_rebuild_same_image(self):
        """Rebuild detaches and re-attaches: a new foreign attachment."""
        server, volume = self.attached_server()
        before = self.home_attachments(server)[volume]
        image = self.clients.server(server)['image']['id']

        self.action(server, 'rebuild', {'imageRef': image})
        self.wait_server(server, 'ACTIVE')

        after = self.assertForeignAttached(server, volume)
        self.assertNotEqual(before, after)
        self.assertEqual([after], [a['id'] for a in
                                   self.foreign_attachments(volume)])


class TestDelete(base.TestCase):

    def _server(self):
        """A server the test deletes itself (cleanup only if it did not)."""
        server = self.clients.boot(self.name())
        self.addCleanup(self._delete_quietly, 'DELETE', '/servers/' + server)
        return server

    def _delete_quietly(self, method, path):
        self.compute(method, path, raise_exc=False)

    def _foreign_volume(self):
        volume = self.clients.create_volume('foreign', self.name())
        s, url = self.clients.cinder('foreign')
        self.addCleanup(s.delete, url + '/volumes/' + volume,
                        raise_exc=False)
        return volume

    def test_delete_server_releases_the_foreign_volume(self):
        volume = self._foreign_volume()
        server = self._server()
        self.attach_foreign(server, volume)
        self.assertForeignAttached(server, volume)

        self.clients.delete_server(server)

        self.clients.wait_volume('foreign', volume, 'available')
        self.assertForeignAvailable(volume)

    def test_delete_server_deletes_volume_on_termination(self):
        """delete_on_termination in the attach body (microversion 2.79)."""
        volume = self._foreign_volume()
        server = self._server()
        self.attach_foreign(server, volume, delete_on_termination=True)
        self.assertForeignAttached(server, volume)
        self.assertEqual([True], [
            a['delete_on_termination'] for a in self.clients.attachments(
                server)])

        self.clients.delete_server(server)

        self.wait_foreign_gone(volume)


class TestSeveralVolumes(base.TestCase):

    def test_three_foreign_one_local_detached_out_of_order(self):
        c = self.clients
        foreign = [self.volume('foreign') for _ in range(3)]
        local = self.volume('home')
        server = self.boot()

        for volume in foreign[:2]:
            self.attach_foreign(server, volume)
        c.attach(server, local)
        c.wait_volume('home', local, 'in-use')
        self.attach_foreign(server, foreign[2])

        self.assertEqual(set(foreign) | {local},
                         set(self.home_attachments(server)))
        for volume in foreign:
            self.assertForeignAttached(server, volume)
        # the home Cinder has only the local one, on this server
        self.assertEqual([server], [a['server_id'] for a in
                                    c.volume('home', local)['attachments']])

        remaining = set(foreign) | {local}
        for volume in (foreign[1], local, foreign[2], foreign[0]):
            c.detach(server, volume)
            remaining.discard(volume)
            c.wait(lambda: set(self.home_attachments(server)), remaining,
                   'server %s attachments' % server)
            if volume == local:
                c.wait_volume('home', local, 'available')
                self.assertEqual([], c.volume('home', local)['attachments'])
            else:
                c.wait_volume('foreign', volume, 'available')
                self.assertForeignAvailable(volume)
            # the others did not move
            for other in remaining - {local}:
                self.assertForeignAttached(server, other)
