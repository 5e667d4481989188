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

"""The sandbox's state directory, processes, ports and shared services.

Every OpenStack service of both clouds runs from one venv, as its own
process group, with its pid in ``<dir>/run/<name>.pid`` and its output in
``<dir>/logs/<name>.log``. Everything listens on 127.0.0.1.
"""

import concurrent.futures
import contextlib
import hashlib
import json
import os
import pathlib
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

CHECKOUT = pathlib.Path(__file__).resolve().parent.parent
HOST = '127.0.0.1'
#: gunicorn's access log: time, request line, status, milliseconds,
#: user agent (the calling process).
ACCESS_LOG_FORMAT = '%(t)s "%(r)s" %(s)s %(M)sms "%(a)s"'
_LOCK = threading.RLock()


def _private_dir(path, mode):
    path.mkdir(mode=mode, parents=True, exist_ok=True)
    path.chmod(mode)   # one that existed keeps its mode otherwise


def listening(port):
    """Whether something accepts connections on ``port`` of HOST."""
    with socket.socket() as s:
        return s.connect_ex((HOST, port)) == 0


class SandboxError(Exception):
    pass


class Sandbox:
    # Offsets from the port base (MIXMATCH_SANDBOX_PORT_BASE, default
    # 25000): two checkouts can run a sandbox each on distinct bases.
    PORT_OFFSETS = {
        'keystone-home': 0,
        'placement': 1,
        'glance': 2,
        'nova-api': 3,
        'cinder-home': 4,
        'neutron': 5,
        'horizon': 8,
        'keystone-foreign': 100,          # Apache + mod_shib front
        'keystone-foreign-uwsgi': 101,
        'cinder-foreign': 102,
        'memcached-foreign': 103,         # the foreign Keystone's cache
        'glance-foreign': 104,
        # three clouds (--clouds 3): the home Keystone is also a service
        # provider, of MOC's, behind Apache + mod_shib on keystone-home
        'keystone-home-uwsgi': 6,
        'memcached-home': 7,
        'keystone-moc': 200,
    }
    DEFAULT_PORT_BASE = 25000
    # Some forty services each keep a pool of connections: Debian's limit
    # of 151 is hit under load. Raised (never lowered) until MariaDB
    # restarts.
    MARIADB_CONNECTIONS_SQL = ('SET GLOBAL max_connections = '
                               'GREATEST(@@GLOBAL.max_connections, 1000);')
    # ports that do not speak HTTP (uwsgi protocol, memcached)
    NOT_HTTP = {'keystone-foreign-uwsgi', 'memcached-foreign',
                'keystone-home-uwsgi', 'memcached-home'}
    #: how many clouds a state directory runs: 2 (home and foreign) or 3
    #: (MOC's Keystone too, the identity provider of both)
    CLOUD_COUNTS = (2, 3)

    def __init__(self, dir=None):
        dir = dir or os.environ.get('MIXMATCH_SANDBOX_DIR')
        self.dir = pathlib.Path(dir or CHECKOUT / '.sandbox').resolve()
        # Configs, keys and logs hold secrets. Others may pass through
        # the directory (Apache's workers reach shibd's socket) but not
        # list it; the logs are root's only.
        _private_dir(self.dir, 0o711)
        _private_dir(self.dir / 'logs', 0o700)
        # several state directories may share one venv
        venv = os.environ.get('MIXMATCH_SANDBOX_VENV')
        self.venv = pathlib.Path(venv) if venv else self.dir / 'venv'
        self.python = self.bin('python')
        # One clock for a command and the processes it re-executes.
        self.started = float(os.environ.setdefault(
            'MIXMATCH_SANDBOX_STARTED', str(time.time())))
        # MariaDB and RabbitMQ are shared by every state directory: each
        # gets its own user, databases and vhosts, so that one sandbox
        # never touches another's.
        self.namespace = 'mm' + hashlib.sha1(
            str(self.dir).encode()).hexdigest()[:8]
        self._ready_vhosts = set()
        self._ready_databases = set()
        port_base = int(os.environ.get('MIXMATCH_SANDBOX_PORT_BASE',
                                       self.DEFAULT_PORT_BASE))
        self.ports = {name: port_base + offset
                      for name, offset in self.PORT_OFFSETS.items()}

    # Paths

    def bin(self, name):
        return str(self.venv / 'bin' / name)

    def path(self, *parts):
        p = self.dir.joinpath(*parts)
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def log(self, name):
        return self.path('logs', name + '.log')

    def _pidfile(self, name):
        return self.path('run', name + '.pid')

    def _startfile(self, name):
        """How name was last started (``restart``): its argv, env, cwd."""
        return self.path('run', name + '.start.json')

    def address(self, name):
        """host:port of name."""
        return '%s:%d' % (HOST, self.ports[name])

    def url(self, name, path=''):
        return 'http://%s%s' % (self.address(name), path)

    def etc(self, service, name):
        """<dir>/etc/<service>/<name>: a config file of service."""
        return self.path('etc', service, name)

    # Mode

    @property
    def cloud_count(self):
        """2 or 3: what ``up`` made of this state directory (default 2)."""
        f = self.dir / 'clouds'
        return int(f.read_text()) if f.exists() else self.CLOUD_COUNTS[0]

    def set_cloud_count(self, count):
        """Record the mode; a running sandbox keeps the one it has."""
        if count == self.cloud_count:
            return
        if self.pids():
            raise SandboxError(
                '%s runs %d clouds: mixmatch-sandbox down first (or use '
                'another --dir)' % (self.dir, self.cloud_count))
        if (self.dir / 'secrets.json').exists():
            raise SandboxError(
                '%s was made for %d clouds: its Keystones cannot change '
                'role; use another --dir' % (self.dir, self.cloud_count))
        (self.dir / 'clouds').write_text('%d\n' % count)

    # Secrets

    def secret(self, name):
        """A password generated on first use, kept in secrets.json (0600)."""
        f = self.dir / 'secrets.json'
        with _LOCK:
            values = json.loads(f.read_text()) if f.exists() else {}
            if name not in values:
                values[name] = secrets.token_hex(16)
                tmp = f.with_suffix('.tmp')
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                             0o600)
                with os.fdopen(fd, 'w') as out:
                    json.dump(values, out, indent=2, sort_keys=True)
                os.replace(tmp, f)   # readers never see half a file
        return values[name]

    # Keystone

    def clouds_yaml(self):
        return self.path('clouds.yaml')

    def keystone_url(self, cloud, path='/v3'):
        """The public endpoint of cloud's Keystone (a provider's front)."""
        return self.url('keystone-' + cloud, path)

    def keystone(self, cloud):
        """An admin client of cloud's Keystone: mixmatch-configure's.

        cloud: home or foreign, as <cloud>-admin in clouds.yaml. Only in
        the sandbox venv, where keystoneauth and openstacksdk are.
        """
        from mixmatch_deploy import clouds
        from mixmatch_deploy import keystone
        return keystone.Keystone(clouds.identity_client(
            cloud=cloud + '-admin', config_files=[str(self.clouds_yaml())]))

    # Shared services

    def database_url(self, name):
        """Create database mm_<name> (idempotent) and return its URL."""
        db = '%s_%s' % (self.namespace, name.replace('-', '_'))
        password = self.secret('mariadb')
        if db not in self._ready_databases:
            # root reaches MariaDB through the socket without a password
            # (Debian's default); each statement is idempotent.
            sql = ''.join(
                "CREATE USER IF NOT EXISTS '{u}'@'{h}' IDENTIFIED BY '{p}';"
                "ALTER USER '{u}'@'{h}' IDENTIFIED BY '{p}';"
                "GRANT ALL ON `{db}`.* TO '{u}'@'{h}';".format(
                    u=self.namespace, h=h, p=password, db=db)
                for h in ('localhost', HOST))
            sql += self.MARIADB_CONNECTIONS_SQL
            # on stdin: the password must not show in argv or the log
            self.run(['mariadb', '-u', 'root'], log=self.log('mariadb'),
                     stdin='CREATE DATABASE IF NOT EXISTS `%s`;' % db + sql)
            self._ready_databases.add(db)
        return 'mysql+pymysql://%s:%s@%s/%s?charset=utf8' % (
            self.namespace, password, HOST, db)

    def vhost(self, cloud):
        return '%s-%s' % (self.namespace, cloud)

    def transport_url(self, cloud):
        """Create the RabbitMQ vhost of ``cloud`` (idempotent)."""
        vhost = self.vhost(cloud)
        user = self.namespace
        password = self.secret('rabbitmq')
        if vhost not in self._ready_vhosts:
            log = self.log('rabbitmq')
            users = self.run(['rabbitmqctl', '-q', 'list_users'],
                             log=log, capture=True)
            known = any(line.split()[:1] == [user]
                        for line in users.splitlines())
            # rabbitmqctl reads a password it is not given on stdin
            self.run(['rabbitmqctl', 'change_password' if known
                      else 'add_user', user], log=log, stdin=password)
            self.run(['rabbitmqctl', 'add_vhost', vhost], log=log,
                     check=False)
            self.run(['rabbitmqctl', 'set_permissions', '-p', vhost, user,
                      '.*', '.*', '.*'], log=log)
            self._ready_vhosts.add(vhost)
        return 'rabbit://%s:%s@%s:5672/%s' % (user, password, HOST, vhost)

    def reset_shared(self):
        """Drop the sandbox's databases and vhosts.

        For a new state directory: its passwords and keys would not match
        what an earlier sandbox left in MariaDB and RabbitMQ.
        """
        log = self.log('mariadb')
        dbs = self.run(['mariadb', '-u', 'root', '-N', '-e',
                        "SHOW DATABASES LIKE '%s\\_%%'" % self.namespace],
                       log=log, capture=True).split()
        if dbs:
            self.run(['mariadb', '-u', 'root', '-e', ''.join(
                'DROP DATABASE `%s`;' % db for db in dbs)], log=log)
        vhosts = self.run(['rabbitmqctl', '-q', 'list_vhosts'],
                          log=self.log('rabbitmq'), capture=True).split()
        for vhost in vhosts:
            if vhost.startswith(self.namespace + '-'):
                self.run(['rabbitmqctl', 'delete_vhost', vhost],
                         log=self.log('rabbitmq'))

    # Processes

    def _pid(self, name):
        try:
            return int(self._pidfile(name).read_text())
        except (FileNotFoundError, ValueError):
            return None

    @staticmethod
    def _alive(pid):
        try:
            with open('/proc/%d/stat' % pid) as f:
                state = f.read().rsplit(')', 1)[1].split()[0]
        except (FileNotFoundError, IndexError, ProcessLookupError):
            return False
        return state not in ('Z', 'X')

    def running(self, name):
        pid = self._pid(name)
        return pid is not None and self._alive(pid)

    def pids(self):
        """{name: pid} of every recorded process."""
        return {p.stem: self._pid(p.stem)
                for p in sorted(self.path('run', 'x').parent.glob('*.pid'))}

    def start(self, name, argv, env=None, cwd=None):
        """Start a daemon in its own session, unless it runs already."""
        if self.running(name):
            return self._pid(name)
        argv = [str(a) for a in argv]
        full_env = dict(os.environ, **(env or {}))
        with open(self.log(name), 'ab') as out:
            proc = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, env=full_env, cwd=cwd,
                start_new_session=True)
        self.adopt(name, proc.pid)
        # 0600: env may hold a secret
        fd = os.open(self._startfile(name),
                     os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as f:
            json.dump({'argv': argv, 'env': env,
                       'cwd': cwd and str(cwd)}, f)
        return proc.pid

    def restart(self, name, timeout=120):
        """Start a stopped daemon again as it was started.

        Wait until it accepts connections (answers, if it speaks HTTP).
        Far quicker than ``up``, which configures and checks whole clouds:
        for a daemon stopped on purpose (the outage tests).
        """
        try:
            how = json.loads(self._startfile(name).read_text())
        except FileNotFoundError:
            raise SandboxError(
                'no record of how %s was started (a sandbox older than the '
                'record): mixmatch-sandbox down, then up' % name)
        self.start(name, how['argv'], how['env'], how['cwd'])
        if name in self.NOT_HTTP:
            port = self.ports[name]
            self.wait_until(lambda: listening(port), name, timeout,
                            name=name)
        elif name in self.ports:
            self.wait_http(self.url(name), timeout=timeout, name=name)

    def adopt(self, name, pid):
        self._pidfile(name).write_text('%d\n' % pid)

    def stop_all(self, timeout=30):
        with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
            list(pool.map(lambda n: self.stop(n, timeout), self.pids()))

    def stop(self, name, timeout=30):
        pid = self._pid(name)
        if pid is not None and self._alive(pid):
            self._signal(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while self._alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if self._alive(pid):
                self._signal(pid, signal.SIGKILL)
        self._pidfile(name).unlink(missing_ok=True)

    @staticmethod
    def _signal(pid, sig):
        # A process started here leads its own group (gunicorn workers,
        # uwsgi children): signal the group. An adopted daemon may not.
        try:
            if os.getpgid(pid) == pid:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)
        except ProcessLookupError:
            pass

    def wait_http(self, url, timeout=60, ok=(200, 500), name=None):
        """Poll url until it answers a status in [ok[0], ok[1]).

        With name, fail as soon as that process has exited.
        """
        deadline = time.monotonic() + timeout
        hint = ' (see %s)' % self.log(name) if name else ''
        last = None
        while time.monotonic() < deadline:
            if name and not self.running(name):
                raise SandboxError('%s exited%s' % (name, hint))
            try:
                with urllib.request.urlopen(url, timeout=5) as resp:
                    last = resp.status
            except urllib.error.HTTPError as e:
                last = e.code
            except (OSError, urllib.error.URLError) as e:
                last = e
            if isinstance(last, int) and ok[0] <= last < ok[1]:
                return
            time.sleep(0.2)
        raise SandboxError('%s did not answer in %d s (last: %s)%s'
                           % (url, timeout, last, hint))

    def wait_until(self, ready, what, timeout=60, name=None, log=None,
                   interval=0.2):
        """Poll ready() until it is true.

        With name, fail as soon as that process has exited; a failure
        names log, else name's log.
        """
        log = log or (self.log(name) if name else None)
        hint = ' (see %s)' % log if log else ''
        deadline = time.monotonic() + timeout
        while not ready():
            if name and not self.running(name):
                raise SandboxError('%s exited%s' % (name, hint))
            if time.monotonic() > deadline:
                raise SandboxError('%s: not ready in %d s%s'
                                   % (what, timeout, hint))
            time.sleep(interval)

    def healthy(self, url):
        try:
            self.wait_http(url, timeout=0.1)
        except SandboxError:
            return False
        return True

    def run(self, argv, log=None, env=None, check=True, capture=False,
            cwd=None, stdin=None):
        """Run a one-shot command, its output appended to log.

        The log shows argv: a secret goes in env or stdin (text), never
        in argv, which every user of the machine can read too. With
        capture, return its stdout (stderr still goes to the log).
        """
        log = log or self.log('commands')
        full_env = dict(os.environ, **(env or {}))
        argv = [str(a) for a in argv]
        with open(log, 'ab') as out:
            out.write(('$ %s\n' % ' '.join(argv)).encode())
            out.flush()
            proc = subprocess.run(
                argv, stdout=subprocess.PIPE if capture else out,
                stderr=out, env=full_env, cwd=cwd,
                input=None if stdin is None else stdin.encode(),
                stdin=subprocess.DEVNULL if stdin is None else None)
        if check and proc.returncode:
            raise SandboxError('%s exited %d (see %s)'
                               % (argv[0], proc.returncode, log))
        return proc.stdout.decode() if capture else proc.returncode

    # Progress

    def elapsed(self):
        return time.time() - self.started

    @contextlib.contextmanager
    def step(self, title, log=None):
        """Print '[elapsed] title ... done (seconds)' or '... FAILED'.

        Steps running in threads print their line whole at the end, so
        that parallel steps do not interleave.
        """
        head = '[%7.1fs] %s ...' % (self.elapsed(), title)
        whole_line = threading.current_thread() is not threading.main_thread()
        if not whole_line:
            print(head, end=' ', flush=True)
        t0 = time.monotonic()
        try:
            yield
        except BaseException:
            self._end(head, whole_line,
                      'FAILED' + (' (see %s)' % log if log else ''))
            raise
        self._end(head, whole_line, 'done (%.1f s)' % (time.monotonic() - t0))

    @staticmethod
    def _end(head, whole_line, result):
        with _LOCK:
            print((head + ' ' if whole_line else '') + result, flush=True)

    # Config files

    def write_ini(self, path, sections):
        """Write {section: {key: value}}; True/False become true/false.

        A list value repeats the key (oslo.config multi-valued options).
        The file is root's only: service configs hold passwords.
        """
        path = pathlib.Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = []
        for section, values in sections.items():
            lines.append('[%s]' % section)
            for key, value in values.items():
                if isinstance(value, bool):
                    value = str(value).lower()
                for one in value if isinstance(value, list) else [value]:
                    lines.append('%s = %s' % (key, one))
            lines.append('')
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as out:
            os.fchmod(fd, 0o600)   # one that existed keeps its mode
            out.write('\n'.join(lines))
        return path

    def copy_etc(self, package, name, service=None):
        """Copy a file the package installs in <venv>/etc/<package>/."""
        return shutil.copyfile(self.venv / 'etc' / package / name,
                               self.etc(service or package, name))

    def wsgi_module(self, name, application, environ=None, argv=()):
        """Write <dir>/wsgi/sandbox_<name>.py serving 'module:attr'.

        name: the service's, its dashes as underscores in the file name.
        oslo.config parses sys.argv at import: under gunicorn or uwsgi it
        would read their arguments and the workers exit, so replace it
        (argv: e.g. ['--config-file', path]). environ (config dirs) is set
        before the import.
        """
        module, attr = application.split(':')
        path = self.path('wsgi', self._wsgi_name(name) + '.py')
        path.write_text(
            '# Written by mixmatch-sandbox.\n'
            'import os\nimport sys\n\n'
            'sys.argv = sys.argv[:1] + %r\n'
            'os.environ.update(%r)\n\n'
            'from %s import %s as application  # noqa\n'
            % ([str(a) for a in argv],
               {k: str(v) for k, v in (environ or {}).items()},
               module, attr))
        return path

    @staticmethod
    def _wsgi_name(name):
        return 'sandbox_' + name.replace('-', '_')

    def gunicorn(self, name, path=''):
        """Serve name's wsgi_module on its port; wait until path answers.

        Started unless it runs already.
        """
        self.start(name, [
            self.bin('gunicorn'), '--workers', '1', '--threads', '4',
            # longer than a client keeps an idle connection: otherwise a
            # request may meet the server closing it (connection reset)
            '--keep-alive', '75',
            '--no-control-socket', '--bind', self.address(name),
            # every request with its time (ms): tox -e bench counts and
            # profiles from them
            '--access-logfile', self.log(name + '-access'),
            '--access-logformat', ACCESS_LOG_FORMAT,
            '--chdir', self.path('wsgi', 'x').parent,
            '--timeout', '120', self._wsgi_name(name) + ':application'])
        self.wait_http(self.url(name, path), timeout=120, name=name)
