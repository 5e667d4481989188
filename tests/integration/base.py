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
checkout).
"""

import fcntl
import os
import subprocess
import sys
import uuid

from oslotest import base as oslotest_base

from mixmatch_sandbox import base
from mixmatch_sandbox import demo

_UP = {}


def _cli(sb, command):
    return subprocess.run(
        [sys.executable, '-m', 'mixmatch_sandbox.cli', '--dir', str(sb.dir),
         command], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)


def sandbox():
    """The sandbox, up; stestr workers take turns bringing it up."""
    if 'sb' not in _UP:
        sb = base.Sandbox(os.environ.get('MIXMATCH_SANDBOX_DIR'))
        with open(sb.path('run', 'up.lock'), 'w') as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if _cli(sb, 'status').returncode:
                proc = _cli(sb, 'up')
                if proc.returncode:
                    raise base.SandboxError('mixmatch-sandbox up failed:\n%s'
                                            % proc.stdout[-3000:])
        _UP['sb'] = sb
    return _UP['sb']


class TestCase(oslotest_base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.sb = sandbox()
        self.clients = demo.Clients(self.sb)

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
