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

"""mixmatch-sandbox: two real OpenStack clouds on this machine, K2K
federated, and the cross-cloud attach demo."""

import argparse
import concurrent.futures
import importlib
import os
import subprocess
import sys

from mixmatch_sandbox import base
from mixmatch_sandbox import install

IN_VENV = 'MIXMATCH_SANDBOX_IN_VENV'
#: the process (and port) of the home cloud's Horizon
DASHBOARD = 'horizon'


def main(argv=None):
    parser = argparse.ArgumentParser(prog='mixmatch-sandbox',
                                     description=__doc__)
    parser.add_argument('--dir', help='state directory (default: '
                                      '$MIXMATCH_SANDBOX_DIR, else .sandbox '
                                      'in the checkout)')
    sub = parser.add_subparsers(dest='command', required=True)
    up_cmd = sub.add_parser('up', help='install what is missing and start '
                                       'the clouds (reuses what runs)')
    clouds_help = ('2: home and foreign (the default of a new state '
                   'directory); 3: and MOC\'s Keystone, the identity '
                   'provider of both (home plays NU, foreign BU). A state '
                   'directory keeps its count')
    up_cmd.add_argument('--clouds', type=int,
                        choices=base.Sandbox.CLOUD_COUNTS, help=clouds_help)
    sub.add_parser('status', help='each process, its url and health')
    sub.add_parser('down', help='stop every process the sandbox started')
    demo = sub.add_parser('demo', help='up, then a cross-cloud attach and '
                                       'detach as the home demo user (with '
                                       'three clouds: MOC\'s, a BU volume on '
                                       'an NU server)')
    demo.add_argument('--keep', action='store_true',
                      help='leave the sandbox running afterwards')
    demo.add_argument('--clouds', type=int,
                      choices=base.Sandbox.CLOUD_COUNTS, help=clouds_help)
    env = sub.add_parser('env', help='where the clouds.yaml is; with '
                                     '--cloud, that cloud\'s OS_* '
                                     'variables too')
    env.add_argument('--cloud', help='a cloud of clouds.yaml, e.g. '
                                     'home-demo: export its credentials '
                                     'openrc-style (nova reads no '
                                     'clouds.yaml)')
    sub.add_parser('bench', add_help=False,
                   help='up, then the benchmark: local and foreign '
                        'attaches, K2K exchanges, provider lists, memory '
                        '(bench/results.json; bench --help)')
    args, rest = parser.parse_known_args(argv)
    if rest and args.command != 'bench':
        parser.error('unrecognized arguments: %s' % ' '.join(rest))
    # the benchmark's own options: mixmatch-sandbox bench --help
    args.options = rest
    sb = base.Sandbox(args.dir)
    try:
        return COMMANDS[args.command](sb, args) or 0
    except base.SandboxError as e:
        print('mixmatch-sandbox: %s' % e, file=sys.stderr)
        return 1


def _in_venv(sb, args):
    """Install, then go on in the sandbox venv, where OpenStack is."""
    if os.environ.get(IN_VENV):
        return
    install.install(sb)
    os.environ[IN_VENV] = '1'
    argv = [sb.python, '-m', 'mixmatch_sandbox.cli', '--dir', str(sb.dir),
            args.command] + (['--keep'] if getattr(args, 'keep', False)
                             else []) + getattr(args, 'options', [])
    if getattr(args, 'clouds', None):
        argv += ['--clouds', str(args.clouds)]
    sys.stdout.flush()
    os.execv(sb.python, argv)


def up(sb, args):
    _in_venv(sb, args)
    if getattr(args, 'clouds', None):
        sb.set_cloud_count(args.clouds)
    if not (sb.dir / 'secrets.json').exists() and not sb.pids():
        with sb.step('new state directory: drop earlier sandbox databases '
                     'and vhosts'):
            sb.reset_shared()
    from mixmatch_sandbox.clouds import home
    from mixmatch_sandbox.clouds import moc
    from mixmatch_sandbox import credentials
    foreign = _optional(sb, 'clouds.foreign', 'up')
    wire = _optional(sb, 'clouds.federation', 'wire')
    # every cloud's admin client reads it (the sandbox's Keystone calls
    # are mixmatch-configure's)
    credentials.clouds_yaml(sb)
    # the clouds know nothing of each other until wired
    ups = [home.up, foreign] + ([moc.up] if sb.cloud_count == 3 else [])
    with concurrent.futures.ThreadPoolExecutor(len(ups)) as pool:
        for f in [pool.submit(cloud_up, sb) for cloud_up in ups]:
            f.result()
    wire(sb)
    print('Sandbox of %d clouds up in %.1f s; its processes use %d MB RSS.'
          % (sb.cloud_count, sb.elapsed(), rss_kb(sb) // 1024))
    print('export OS_CLIENT_CONFIG_FILE=%s' % sb.path('clouds.yaml'))
    dashboard(sb)


def dashboard(sb):
    """Where Horizon is, how to log in, and its RSS."""
    if sb.running(DASHBOARD):
        print('Dashboard: %s (%d MB RSS); log in as demo, its password: '
              'mixmatch-sandbox env --cloud home-demo'
              % (sb.url(DASHBOARD, '/'), rss_kb(sb, [DASHBOARD]) // 1024))


def _optional(sb, module, func):
    """module.func, or a no-op saying so while the module is missing."""
    try:
        return getattr(importlib.import_module('mixmatch_sandbox.' + module),
                       func)
    except ImportError as e:
        why = str(e)
    return lambda sb: print('[%7.1fs] skipping %s.%s: %s'
                            % (sb.elapsed(), module, func, why))


def rss_kb(sb, names=None):
    """Summed RSS of the recorded processes, their sessions and children.

    names: only these processes.
    """
    pids = set(p for name, p in sb.pids().items()
               if p and (names is None or name in names))
    out = subprocess.run(['ps', '-eo', 'pid=,ppid=,sid=,rss='],
                         capture_output=True, text=True).stdout
    total = 0
    for line in out.splitlines():
        pid, ppid, sid, rss = (int(f) for f in line.split())
        if pids & {pid, ppid, sid}:
            total += rss
    return total


def status(sb, args):
    pids = sb.pids()
    if not pids:
        print('Nothing runs in %s.' % sb.dir)
        return 1
    unhealthy = 0
    for name, pid in pids.items():
        url = sb.url(name) if name in sb.ports else ''
        http = url and name not in sb.NOT_HTTP
        if not sb.running(name):
            state = 'DEAD'
        elif http and not sb.healthy(url):
            state = 'UNHEALTHY'
        else:
            state = 'ok'
        unhealthy += state != 'ok'
        print('%-24s %8s  %-28s %s' % (name, pid, url, state))
    print('%d processes, %d MB RSS, %d not healthy; logs in %s'
          % (len(pids), rss_kb(sb) // 1024, unhealthy, sb.path('logs')))
    dashboard(sb)
    return 1 if unhealthy else 0


def down(sb, args):
    names = list(sb.pids())
    with sb.step('stop %d processes' % len(names)):
        sb.stop_all()


def env(sb, args):
    from mixmatch_sandbox import credentials
    names = credentials.cloud_names(sb)
    if args.cloud is not None and args.cloud not in names:
        raise base.SandboxError('no cloud %s in clouds.yaml (choices: %s)'
                                % (args.cloud, ', '.join(names)))
    print('# clouds %s' % ', '.join(names))
    print('export OS_CLIENT_CONFIG_FILE=%s' % sb.path('clouds.yaml'))
    if args.cloud is not None:
        print(credentials.openrc(sb, args.cloud), end='')


def demo(sb, args):
    _in_venv(sb, args)
    from mixmatch_sandbox import demo as demo_mod
    return demo_mod.main(sb, keep=args.keep, up=lambda: up(sb, args))


def bench(sb, args):
    up(sb, args)
    from mixmatch_sandbox import bench as bench_mod
    return bench_mod.main(args.options, sb)


COMMANDS = {'up': up, 'status': status, 'down': down, 'env': env,
            'demo': demo, 'bench': bench}


if __name__ == '__main__':
    sys.exit(main())
