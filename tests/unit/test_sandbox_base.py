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

"""The pure parts of mixmatch_sandbox.base: no OpenStack service runs."""

import contextlib
import io
import json
import os
import pathlib
import re
import stat
import sys
import threading
import time

import fixtures
import testtools

from mixmatch_sandbox import base
from tests import threaded


class SandboxTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = pathlib.Path(self.useFixture(fixtures.TempDir()).path)
        # elapsed() counts from this clock: ten seconds ago
        self.useFixture(fixtures.EnvironmentVariable(
            'MIXMATCH_SANDBOX_STARTED', str(time.time() - 10)))
        # the default port base, whatever the shell running the tests says
        self.useFixture(fixtures.EnvironmentVariable(
            'MIXMATCH_SANDBOX_PORT_BASE'))
        self.sb = base.Sandbox(self.dir)


class TestPaths(SandboxTestCase):

    def test_layout(self):
        self.assertEqual(self.dir, self.sb.dir)
        self.assertEqual(str(self.dir / 'venv' / 'bin' / 'python'),
                         self.sb.python)
        self.assertEqual(self.dir / 'logs' / 'nova-api.log',
                         self.sb.log('nova-api'))
        self.assertTrue((self.dir / 'logs').is_dir())
        self.assertEqual('http://127.0.0.1:25003/v2.1',
                         self.sb.url('nova-api', '/v2.1'))

    def test_ports_unique_and_on_loopback(self):
        ports = list(self.sb.ports.values())
        self.assertEqual(len(ports), len(set(ports)))
        self.assertEqual('127.0.0.1', base.HOST)

    def test_port_base_from_the_environment(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'MIXMATCH_SANDBOX_PORT_BASE', '26000'))
        sb = base.Sandbox(self.dir)
        self.assertEqual(26003, sb.ports['nova-api'])
        self.assertEqual(26100, sb.ports['keystone-foreign'])

    def test_elapsed_shares_the_clock_of_the_command(self):
        self.assertAlmostEqual(10, self.sb.elapsed(), delta=2)


class TestCloudCount(SandboxTestCase):

    def test_two_unless_made_for_three(self):
        self.assertEqual(2, self.sb.cloud_count)
        self.sb.set_cloud_count(3)
        self.assertEqual(3, base.Sandbox(self.dir).cloud_count)

    def test_kept_while_it_runs(self):
        self.sb.adopt('keystone-home', os.getpid())
        e = self.assertRaises(base.SandboxError, self.sb.set_cloud_count, 3)
        self.assertIn('down first', str(e))
        self.assertEqual(2, self.sb.cloud_count)

    def test_kept_once_its_keystones_exist(self):
        self.sb.secret('home-admin')
        e = self.assertRaises(base.SandboxError, self.sb.set_cloud_count, 3)
        self.assertIn('another --dir', str(e))
        self.sb.set_cloud_count(2)   # the count it has: nothing to do


class TestWriteIni(SandboxTestCase):

    def test_sections_values_and_booleans(self):
        path = self.sb.write_ini(self.dir / 'etc' / 'x' / 'a.conf', {
            'DEFAULT': {'debug': False, 'workers': 2},
            'keystone_authtoken': {'service_token_roles_required': True,
                                   'auth_url': 'http://k/v3'},
            'paths': {'lock_path': self.dir / 'lock'},
        })
        self.assertEqual(
            '[DEFAULT]\ndebug = false\nworkers = 2\n\n'
            '[keystone_authtoken]\nservice_token_roles_required = true\n'
            'auth_url = http://k/v3\n\n'
            '[paths]\nlock_path = %s\n' % (self.dir / 'lock'),
            path.read_text())

    def test_a_list_repeats_the_key(self):
        path = self.sb.write_ini(self.dir / 'a.conf', {
            'DEFAULT': {'osapi_volume_extension': ['a.b', 'c.D']}})
        self.assertEqual('[DEFAULT]\nosapi_volume_extension = a.b\n'
                         'osapi_volume_extension = c.D\n', path.read_text())

    def test_rewrites_the_whole_file(self):
        path = self.dir / 'a.conf'
        path.write_text('[old]\nx = 1\n')
        self.sb.write_ini(path, {'new': {'y': 2}})
        self.assertEqual('[new]\ny = 2\n', path.read_text())

    def test_root_only(self):
        """Service configs hold passwords, whatever the umask."""
        old = self.dir / 'old.conf'
        old.write_text('')
        old.chmod(0o644)
        for path in (old, self.dir / 'new.conf'):
            self.sb.write_ini(path, {'database': {'password': 'x'}})
            self.assertEqual(0o600, stat.S_IMODE(path.stat().st_mode))

    def test_readable_by_configparser(self):
        import configparser
        path = self.sb.write_ini(self.dir / 'a.conf', {
            'mixmatch': {'enabled': True, 'password': 'a%b'}})
        conf = configparser.ConfigParser(interpolation=None)
        conf.read(path)
        self.assertEqual({'enabled': 'true', 'password': 'a%b'},
                         dict(conf['mixmatch']))


class TestStep(SandboxTestCase):
    HEAD = r'\[ *\d+\.\ds\] '

    def _step(self, title, fail=False, log=None):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            with self.sb.step(title, log):
                if fail:
                    raise base.SandboxError('boom')
        return out.getvalue()

    def test_done_with_elapsed_and_duration(self):
        out = self._step('home: keystone')
        self.assertRegex(out, '^' + self.HEAD + r'home: keystone \.\.\. '
                         r'done \(\d+\.\d s\)\n$')
        # the elapsed time of the command so far, not of the step
        elapsed = float(re.match(r'\[ *([\d.]+)s\]', out).group(1))
        self.assertGreaterEqual(elapsed, 9.0)

    def test_failure_names_the_log_and_reraises(self):
        log = self.sb.log('keystone-home-manage')
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertRaises(base.SandboxError, self._step_direct, log)
        self.assertRegex(out.getvalue(), '^' + self.HEAD + r'k \.\.\. '
                         r'FAILED \(see %s\)\n$' % re.escape(str(log)))

    def _step_direct(self, log):
        with self.sb.step('k', log):
            raise base.SandboxError('boom')

    def test_failure_without_log(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            with testtools.ExpectedException(KeyError):
                with self.sb.step('k'):
                    raise KeyError('x')
        self.assertRegex(out.getvalue(), r'\.\.\. FAILED\n$')

    def test_in_a_thread_the_line_is_printed_whole(self):
        out = io.StringIO()

        def run():
            with self.sb.step('in a thread'):
                time.sleep(0.05)

        with contextlib.redirect_stdout(out):
            threads = [threading.Thread(target=run) for _ in range(3)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        lines = out.getvalue().splitlines()
        self.assertEqual(3, len(lines))
        for line in lines:
            self.assertRegex(line, '^' + self.HEAD + r'in a thread \.\.\. '
                             r'done \(0\.\d s\)$')


class TestSecrets(SandboxTestCase):

    def test_generated_once_and_kept(self):
        first = self.sb.secret('home-admin')
        self.assertRegex(first, '^[0-9a-f]{32}$')
        self.assertEqual(first, self.sb.secret('home-admin'))
        self.assertNotEqual(first, self.sb.secret('home-demo'))
        # another command, same state directory
        self.assertEqual(first, base.Sandbox(self.dir).secret('home-admin'))
        self.assertEqual({'home-admin', 'home-demo'}, set(json.loads(
            (self.dir / 'secrets.json').read_text())))

    def test_file_mode_600(self):
        self.sb.secret('x')
        mode = stat.S_IMODE(os.stat(self.dir / 'secrets.json').st_mode)
        self.assertEqual(0o600, mode)
        self.assertFalse((self.dir / 'secrets.tmp').exists())

    def test_threads_agree(self):
        self.assertEqual([], threaded.run('sandbox_secrets', str(self.dir)))

    def test_state_directory_and_logs_are_private(self):
        self.dir.chmod(0o755)
        (self.dir / 'logs').chmod(0o755)
        base.Sandbox(self.dir)
        self.assertEqual(0o711, stat.S_IMODE(self.dir.stat().st_mode))
        self.assertEqual(0o700,
                         stat.S_IMODE((self.dir / 'logs').stat().st_mode))


class TestProcesses(SandboxTestCase):

    def test_start_running_stop(self):
        pid = self.sb.start('sleeper', ['sleep', '60'])
        self.addCleanup(self.sb.stop, 'sleeper', 5)
        self.assertTrue(self.sb.running('sleeper'))
        self.assertEqual({'sleeper': pid}, self.sb.pids())
        self.assertEqual('%d\n' % pid,
                         (self.dir / 'run' / 'sleeper.pid').read_text())
        # its own session and process group: stop signals the group
        self.assertEqual(pid, os.getpgid(pid))
        self.assertEqual(pid, os.getsid(pid))
        # a second start reuses it
        self.assertEqual(pid, self.sb.start('sleeper', ['sleep', '60']))

        self.sb.stop('sleeper', timeout=5)
        self.assertFalse(self.sb.running('sleeper'))
        self.assertFalse(base.Sandbox._alive(pid))
        self.assertEqual({}, self.sb.pids())

    def test_restart_as_started(self):
        argv = ['sh', '-c', 'echo "$GREETING from $(pwd -P)"; exec sleep 60']
        first = self.sb.start('sleeper', argv, env={'GREETING': 'hi'},
                              cwd=self.dir / 'run')
        self.addCleanup(self.sb.stop, 'sleeper', 5)
        record = self.dir / 'run' / 'sleeper.start.json'
        self.assertEqual(0o600, stat.S_IMODE(record.stat().st_mode))
        greeting = 'hi from %s\n' % os.path.realpath(self.dir / 'run')
        self._wait_for_log('sleeper', greeting)
        self.sb.stop('sleeper', timeout=5)

        self.sb.restart('sleeper')
        self.assertTrue(self.sb.running('sleeper'))
        self.assertNotEqual(first, self.sb.pids()['sleeper'])
        self._wait_for_log('sleeper', greeting * 2)

    def _wait_for_log(self, name, text):
        log = self.sb.log(name)
        deadline = time.monotonic() + 10
        while log.read_text() != text and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(text, log.read_text())

    def test_restart_of_a_daemon_never_started(self):
        e = self.assertRaises(base.SandboxError, self.sb.restart, 'ghost')
        self.assertIn('no record of how ghost was started', str(e))

    def test_exited_process_is_not_running(self):
        pid = self.sb.start('short', ['true'])
        deadline = time.monotonic() + 10
        while base.Sandbox._alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        # a zombie counts as exited
        self.assertFalse(self.sb.running('short'))
        self.assertEqual({'short': pid}, self.sb.pids())
        self.sb.stop('short')
        self.assertEqual({}, self.sb.pids())

    def test_output_goes_to_its_log(self):
        self.sb.start('echo', ['sh', '-c', 'echo hello; echo oops >&2'])
        log = self.sb.log('echo')
        deadline = time.monotonic() + 10
        while 'oops' not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual('hello\noops\n', log.read_text())

    def test_stale_or_bad_pidfile(self):
        self.sb.adopt('gone', 2 ** 22 + 1)   # above pid_max's default
        (self.dir / 'run' / 'junk.pid').write_text('not a pid')
        self.assertFalse(self.sb.running('gone'))
        self.assertFalse(self.sb.running('junk'))
        self.assertFalse(self.sb.running('never-started'))
        self.sb.stop_all(timeout=1)
        self.assertEqual({}, self.sb.pids())

    def test_stop_all(self):
        pids = [self.sb.start('s%d' % i, ['sleep', '60']) for i in range(3)]
        self.sb.stop_all(timeout=5)
        self.assertEqual({}, self.sb.pids())
        self.assertFalse(any(base.Sandbox._alive(p) for p in pids))


class TestWaitUntil(SandboxTestCase):

    def test_polls_until_ready(self):
        answers = iter([False, None, True])
        self.sb.wait_until(lambda: next(answers), 'x', interval=0.01)
        self.assertIsNone(next(answers, None))

    def test_not_ready_in_time_names_the_log(self):
        e = self.assertRaises(base.SandboxError, self.sb.wait_until,
                              lambda: False, 'the thing', timeout=0.05,
                              log=self.sb.log('x'), interval=0.01)
        self.assertEqual('the thing: not ready in 0 s (see %s)'
                         % self.sb.log('x'), str(e))

    def test_fails_at_once_when_its_process_exited(self):
        e = self.assertRaises(base.SandboxError, self.sb.wait_until,
                              lambda: False, 'x', timeout=60,
                              name='never-started')
        self.assertEqual('never-started exited (see %s)'
                         % self.sb.log('never-started'), str(e))


class TestRun(SandboxTestCase):

    def test_logs_the_command_and_its_output(self):
        log = self.sb.log('x')
        self.assertEqual(0, self.sb.run(['echo', 'hi'], log=log))
        self.assertEqual('$ echo hi\nhi\n', log.read_text())

    def test_capture(self):
        log = self.sb.log('x')
        out = self.sb.run(['sh', '-c', 'echo out; echo err >&2'], log=log,
                          capture=True)
        self.assertEqual('out\n', out)
        self.assertIn('err\n', log.read_text())

    def test_a_secret_on_stdin_is_not_logged(self):
        log = self.sb.log('x')
        out = self.sb.run(['cat'], log=log, stdin='s3cret', capture=True)
        self.assertEqual('s3cret', out)
        self.assertEqual('$ cat\n', log.read_text())

    def test_failure_names_the_log(self):
        log = self.sb.log('x')
        e = self.assertRaises(base.SandboxError, self.sb.run, ['false'],
                              log=log)
        self.assertIn('false exited 1 (see %s)' % log, str(e))
        self.assertEqual(1, self.sb.run(['false'], log=log, check=False))


class TestWsgiModule(SandboxTestCase):

    def test_argv_and_environ_before_the_import(self):
        path = self.sb.wsgi_module(
            'x', 'json:dumps', {'OS_X_CONFIG_DIR': self.dir / 'etc'},
            argv=['--config-file', self.dir / 'x.conf'])
        self.assertEqual(self.dir / 'wsgi' / 'sandbox_x.py', path)
        self.useFixture(fixtures.MonkeyPatch('sys.argv', ['gunicorn', '-w']))
        self.useFixture(fixtures.EnvironmentVariable('OS_X_CONFIG_DIR'))
        scope = {}
        exec(compile(path.read_text(), str(path), 'exec'), scope)
        self.assertIs(json.dumps, scope['application'])
        self.assertEqual(['gunicorn', '--config-file',
                          str(self.dir / 'x.conf')], sys.argv)
        self.assertEqual(str(self.dir / 'etc'),
                         os.environ['OS_X_CONFIG_DIR'])

    def test_file_named_after_the_service(self):
        path = self.sb.wsgi_module('cinder-home', 'json:dumps')
        self.assertEqual(self.dir / 'wsgi' / 'sandbox_cinder_home.py', path)
