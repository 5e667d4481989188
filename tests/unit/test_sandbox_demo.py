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

"""The demo's clients wait for their own clean-up, and ``demo --clouds
3`` reaches the three-cloud story (no cloud needed)."""

import os
from unittest import mock

import fixtures
from oslotest import base

from mixmatch_sandbox import base as sandbox_base
from mixmatch_sandbox import cli
from mixmatch_sandbox import demo


def _answer(status):
    """A Cinder answer: 404, or the volume in ``status``."""
    resp = mock.Mock(status_code=404 if status is None else 200)
    resp.json.return_value = {'volume': {'status': status}}
    return resp


class DeleteVolumeTest(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.clients = demo.Clients.__new__(demo.Clients)
        self.calls = []

    def _cinder(self, *statuses):
        answers = iter(statuses)

        def call(cloud, method, path, **kw):
            self.calls.append(method)
            return _answer(next(answers)) if method == 'GET' else None
        self.clients._volume_call = call

    @mock.patch('time.sleep')
    def test_returns_once_the_provider_has_deleted_it(self, sleep):
        self._cinder('deleting', 'deleting', None)
        self.clients.delete_volume('foreign', 'v1')
        # tox -e demo stops the clouds right after: not while deleting
        self.assertEqual(['DELETE', 'GET', 'GET', 'GET'], self.calls)

    @mock.patch('time.sleep')
    def test_error_deleting_fails_at_once(self, sleep):
        self._cinder('deleting', 'error_deleting')
        error = self.assertRaises(sandbox_base.SandboxError,
                                  self.clients.delete_volume, 'foreign', 'v1')
        self.assertIn('error_deleting', str(error))


class DemoCommandTest(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.EnvironmentVariable(cli.IN_VENV))
        self.useFixture(fixtures.MockPatch('mixmatch_sandbox.install.install'))
        # os.execv does not return
        self.execv = self.useFixture(fixtures.MockPatch(
            'os.execv', side_effect=SystemExit)).mock

    def test_the_venv_gets_the_cloud_count(self):
        self.assertRaises(SystemExit, cli.main, [
            '--dir', self.dir, 'demo', '--clouds', '3', '--keep'])
        python, argv = self.execv.call_args[0]
        self.assertEqual(['-m', 'mixmatch_sandbox.cli', '--dir',
                          os.path.realpath(self.dir), 'demo', '--keep',
                          '--clouds', '3'], argv[1:])

    @mock.patch.object(demo, 'run3', return_value=[])
    @mock.patch.object(demo, 'run')
    def test_three_clouds_run_the_three_cloud_story(self, run, run3):
        os.environ[cli.IN_VENV] = '1'
        with mock.patch.object(cli, 'up') as up:
            up.side_effect = lambda sb, args: sb.set_cloud_count(args.clouds)
            self.assertEqual(0, cli.main(['--dir', self.dir, 'demo',
                                          '--clouds', '3', '--keep']))
        run3.assert_called_once_with(mock.ANY)
        run.assert_not_called()
