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

"""RabbitMQ, or Nova's services, restart between an attach and its detach.

The detach travels over the bus, from nova-api to the compute host, which
reports back to the conductor; a compute host that restarted has lost its
route cache and asks the conductor where the volume lives.
"""

import subprocess

from mixmatch_sandbox.clouds import foreign
from mixmatch_sandbox.clouds import home
from tests.integration import base


class TestRestarts(base.TestCase):

    # the broker and Nova serve every test: restart them with nobody else
    # running
    DISRUPTIVE = True

    def detach_and_attach_again(self, server, volume):
        self.clients.detach(server, volume)
        self.clients.wait(
            lambda: self.clients.volume('foreign', volume)['status'],
            'available', 'foreign volume %s' % volume, timeout=180)
        self.clients.wait(lambda: self.home_attachments(server), {},
                          'server %s attachments' % server, timeout=60)
        self.assertForeignAvailable(volume)
        # the server still works: attach again, over the new connections
        self.attach_foreign(server, volume)
        self.assertForeignAttached(server, volume)

    def consumed_queues(self):
        """{(vhost, queue) with a consumer} of both clouds' vhosts."""
        found = set()
        for cloud in (home.CLOUD, foreign.CLOUD):
            vhost = self.sb.vhost(cloud)
            proc = subprocess.run(
                ['rabbitmqctl', '-q', 'list_queues', '-p', vhost,
                 '--no-table-headers', 'name', 'consumers'],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            if proc.returncode:
                return None    # the broker is not serving yet
            for line in proc.stdout.splitlines():
                name, consumers = line.split()
                if int(consumers):
                    found.add((vhost, name))
        return found

    def test_detach_after_a_broker_restart(self):
        """What an operator does: restart, wait for the services, detach.

        The operator waits until every service has reconnected: each
        queue that had a consumer before the restart has one again
        (quorum queues outlive the restart, and so do the messages sent
        meanwhile).
        """
        server, volume = self.attached_server()
        consumed = self.consumed_queues()
        self.assertTrue(any(name.startswith('compute.')
                            for _, name in consumed), consumed)
        for step in ('stop_app', 'start_app'):
            subprocess.run(['rabbitmqctl', '-q', step], check=True,
                           stdout=subprocess.DEVNULL)
        self.clients.wait(
            lambda: consumed <= (self.consumed_queues() or set()), True,
            'every service reconnected to the broker', timeout=180)
        self.detach_and_attach_again(server, volume)

    def test_detach_after_nova_compute_and_conductor_restart(self):
        server, volume = self.attached_server()
        for name in ['nova-conductor'] + ['nova-' + host for host in
                                          home.COMPUTE_HOSTS]:
            self.sb.stop(name)
        # up starts them again and waits for the computes to report
        proc = base.cli(self.sb, 'up')
        self.assertEqual(0, proc.returncode, proc.stdout[-2000:])
        self.detach_and_attach_again(server, volume)
