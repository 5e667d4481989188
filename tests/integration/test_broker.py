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

"""RabbitMQ restarts between an attach and its detach.

Every Nova service must reconnect: the detach travels over the bus, from
nova-api to the compute host, and the compute host reports back to the
conductor.
"""

import subprocess

from tests.integration import base


class TestBrokerRestart(base.TestCase):

    # the broker serves every test: restart it with nobody else running
    DISRUPTIVE = True

    def test_detach_after_a_broker_restart(self):
        server, volume = self.attached_server()
        for step in ('stop_app', 'start_app'):
            subprocess.run(['rabbitmqctl', '-q', step], check=True,
                           stdout=subprocess.DEVNULL)
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
