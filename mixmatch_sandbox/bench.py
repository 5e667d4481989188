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

"""``tox -e bench``: what a foreign volume costs beside a local one.

On a sandbox that is up, with its venv's Python (the memory part imports
Nova)::

    mixmatch-sandbox bench [--samples N] [--only PART ...]

Parts, each printed as a table and written with its raw samples to
``bench/results.json`` (with the machine, its load and the versions):

``attach``
    Attach + detach wall time, from the API call to ``in-use`` and from
    the detach call back to ``available`` (both as the volume's own
    Cinder reports it), interleaved in rotating order within each round:
    a local volume, a foreign volume of a user every Nova process knows
    (warm), a foreign volume of a new home user (cold: nothing cached for
    it in any process; its home token is fetched before the clock runs).
``k2k``
    SAML assertions the home Keystone (the IdP) issued, from its log:
    one cold attach; 50 warm attaches; 50 attaches of a new user over 5
    servers on both compute hosts. The HTTP requests that reached each
    Keystone per warm attach and detach.
``profile``
    Where a cold foreign attach spends its time: every HTTP request it
    caused at the home Keystone, Nova's API, both Cinders and the
    provider's front (Apache: Shibboleth and Keystone), with the calling
    process where the server logs it (user agent) and its duration.
``list``
    ``openstack mixmatch volume list`` over 1, 2, 4 and 8 providers
    (``tools/benchmark_provider_list.py``).
``memory``
    The RSS that the identity cache adds with 1,000 identities of
    distinct users and projects, and with 5,000 under the default bound.
"""

import argparse
import collections
import datetime
import importlib.metadata
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import uuid

from keystoneauth1 import session as ks_session

from mixmatch_sandbox import base
from mixmatch_sandbox import clouds
from mixmatch_sandbox.clouds import foreign
from mixmatch_sandbox.clouds import home
from mixmatch_sandbox import credentials
from mixmatch_sandbox import demo
from mixmatch_sandbox import seed
from mixmatch_sandbox.services import glance

PARTS = ('attach', 'k2k', 'profile', 'list', 'memory')
VERSIONS = ('nova', 'cinder', 'keystone', 'keystoneauth1',
            'oslo.messaging', 'mixmatch')
#: In the home Keystone's access log: the ECP assertion of a K2K exchange.
_ASSERTION = re.compile(r'"POST /v3/auth/OS-FEDERATION/saml2/ecp \S+" 200 ')
#: In the provider Keystone's uwsgi log: a federated token issued, and to
#: whom (the home user's name; ``nova`` is Nova's own identity).
_SP_EXCHANGE = re.compile(
    r'\((\S+)\) .* GET /v3/OS-FEDERATION/identity_providers/\S+/protocols/'
    r'saml2/auth .*\(HTTP/1\.1 201\)')
#: Any request, in an access log (gunicorn's, or the provider's Apache).
_REQUEST = re.compile(r'"(GET|POST|PUT|PATCH|DELETE|HEAD) ')


def summary(samples):
    return {'median': statistics.median(samples), 'min': min(samples),
            'max': max(samples), 'n': len(samples)}


def machine():
    return {'cpus': os.cpu_count(), 'platform': platform.platform(),
            'python': platform.python_version(),
            'load_average': os.getloadavg(),
            'versions': {name: importlib.metadata.version(name)
                         for name in VERSIONS}}


class LogCounter:
    """Counts the lines of a log that match, from a point on."""

    def __init__(self, path, pattern):
        self.path = path
        self.pattern = pattern
        self.offset = 0

    def mark(self):
        self.offset = self.path.stat().st_size

    def read(self):
        with open(self.path, errors='replace') as f:
            f.seek(self.offset)
            return f.read()

    def count(self):
        return len(self.pattern.findall(self.read()))

    def count_by(self):
        """{first group: matches}."""
        return dict(collections.Counter(self.pattern.findall(self.read())))


#: gunicorn (base.ACCESS_LOG_FORMAT): request, status, ms, user agent.
_GUNICORN = re.compile(r'\[(?P<time>[^]]+)\] "(?P<request>\S+ \S+) \S+" '
                       r'(?P<status>\d+) (?P<ms>\d+)ms "(?P<agent>[^" ]*)')
#: the provider's Apache ("timed"): request, status, bytes, microseconds.
_APACHE = re.compile(r'\[(?P<time>[^]]+)\] "(?P<request>\S+ \S+) \S+" '
                     r'(?P<status>\d+) \S+ (?P<us>\d+)')


class Cloud:
    """The sandbox's clouds, for the benchmark."""

    def __init__(self, sb):
        self.sb = sb
        self.demo = demo.Clients(sb)
        self.home_admin = credentials.admin_session(sb, clouds.HOME)
        self.keystone = sb.keystone_url(clouds.HOME)
        home_log = sb.log('keystone-home-access')
        self.assertions = LogCounter(home_log, _ASSERTION)
        self.home_requests = LogCounter(home_log, _REQUEST)
        # the provider's Keystone answers through Apache (and Shibboleth)
        self.sp_requests = LogCounter(sb.path(
            'state', 'apache2-foreign', 'logs', 'access.log'), _REQUEST)
        self.sp_exchanges = LogCounter(sb.log('keystone-foreign-uwsgi'),
                                       _SP_EXCHANGE)
        self.demo_project = self._find('projects', credentials.DEMO)
        self.member_role = self._find('roles', 'member')
        self._cleanups = []

    def _find(self, kind, name):
        return self.home_admin.get(self.keystone + '/' + kind, params={
            'name': name}).json()[kind][0]['id']

    def new_user(self):
        """A new member of the demo project, logged in; its session."""
        name, password = 'bench-%s' % uuid.uuid4().hex[:8], uuid.uuid4().hex
        user = self.home_admin.post(self.keystone + '/users', json={'user': {
            'name': name, 'password': password,
            'domain_id': 'default'}}).json()['user']['id']
        self._cleanups.append(lambda: self.home_admin.delete(
            self.keystone + '/users/' + user))
        self.home_admin.put(self.keystone + '/projects/%s/users/%s/roles/%s'
                            % (self.demo_project, user, self.member_role))
        session = ks_session.Session(auth=credentials.password_auth(
            self.sb, clouds.HOME, name, credentials.DEMO, password))
        session.get_token()
        return session

    def server(self, host=None):
        """A new server of the demo project, on host if given."""
        name = 'bench-%s' % uuid.uuid4().hex[:8]
        if host is None:
            server = self.demo.boot(name)
        else:
            # only an admin names the host
            admin = ks_session.Session(auth=credentials.password_auth(
                self.sb, clouds.HOME, credentials.ADMIN, credentials.DEMO))
            flavor, image = self._flavor_image()
            server = admin.post(self.demo.nova + '/servers', json={
                'server': {'name': name, 'imageRef': image,
                           'flavorRef': flavor, 'networks': 'none',
                           'availability_zone': 'nova:' + host}},
                headers={'OpenStack-API-Version':
                         demo.COMPUTE_VERSION}).json()['server']['id']
            self.demo.wait(lambda: self.demo.server(server)['status'],
                           'ACTIVE', 'server %s' % server)
        self._cleanups.append(lambda: self.demo.delete_server(server))
        return server

    def _flavor_image(self):
        flavors = self.demo._compute('GET', '/flavors').json()['flavors']
        images = self.demo.home.get(
            glance.images_url(self.sb, clouds.HOME),
            params={'name': seed.IMAGE}).json()['images']
        return ([f['id'] for f in flavors if f['name'] == seed.FLAVOR][0],
                images[0]['id'])

    def volume(self, cloud):
        volume = self.demo.create_volume(cloud, 'bench-%s'
                                         % uuid.uuid4().hex[:8])
        self._cleanups.append(lambda: self.demo.delete_volume(cloud, volume))
        return volume

    def cleanup(self):
        while self._cleanups:
            self._cleanups.pop()()

    def status(self, cloud, volume):
        """The volume's status, as its cloud's admin (no K2K)."""
        return self.demo.volume(
            'foreign-admin' if cloud == clouds.FOREIGN else cloud,
            volume)['status']

    def attach_detach(self, session, server, volume, cloud):
        """(seconds to in-use, seconds back to available)."""
        body = {'volumeId': volume}
        if cloud == clouds.FOREIGN:
            body['service_provider'] = foreign.SP_ID
        url = self.demo.nova + '/servers/%s/os-volume_attachments' % server
        headers = {'OpenStack-API-Version': demo.COMPUTE_VERSION}
        start = time.monotonic()
        session.post(url, json={'volumeAttachment': body}, headers=headers)
        self._wait(cloud, volume, 'in-use')
        attach = time.monotonic() - start
        start = time.monotonic()
        session.delete(url + '/' + volume, headers=headers)
        self._wait(cloud, volume, 'available')
        detach = time.monotonic() - start
        # Nova drops the mapping right after: the next attach needs it gone
        self.demo.wait(lambda: [a for a in self.demo.attachments(server)
                                if a['volumeId'] == volume], [],
                       'server %s attachments' % server)
        return attach, detach

    def _wait(self, cloud, volume, status):
        self.demo.wait(lambda: self.status(cloud, volume), status,
                       '%s volume %s' % (cloud, volume))


def bench_attach(cloud, samples):
    """Interleaved attach + detach: local, foreign warm, foreign cold."""
    server = cloud.server()
    local = cloud.volume(clouds.HOME)
    far = cloud.volume(clouds.FOREIGN)
    demo_session = cloud.demo.home
    # warm: the demo user, known to every process once it attached
    cloud.attach_detach(demo_session, server, far, clouds.FOREIGN)
    cloud.attach_detach(demo_session, server, local, clouds.HOME)
    kinds = {
        'local': lambda: cloud.attach_detach(demo_session, server, local,
                                             clouds.HOME),
        'foreign warm': lambda: cloud.attach_detach(
            demo_session, server, far, clouds.FOREIGN),
    }
    raw = {kind: {'attach': [], 'detach': []}
           for kind in ('local', 'foreign cold', 'foreign warm')}
    cloud.sp_exchanges.mark()
    for i in range(samples):
        cold_user = cloud.new_user()   # logged in before the clock runs
        kinds['foreign cold'] = lambda: cloud.attach_detach(
            cold_user, server, far, clouds.FOREIGN)
        order = list(raw)
        order = order[i % 3:] + order[:i % 3]
        for kind in order:
            attach, detach = kinds[kind]()
            raw[kind]['attach'].append(attach)
            raw[kind]['detach'].append(detach)
        print('  round %d/%d: %s' % (i + 1, samples, ', '.join(
            '%s %.2f+%.2f s' % (k, raw[k]['attach'][-1], raw[k]['detach'][-1])
            for k in raw)), flush=True)
    result = {kind: {op: {'samples': values, **summary(values)}
                     for op, values in ops.items()}
              for kind, ops in raw.items()}
    # each cold user's exchanges, as the provider counts them
    per_user = [n for user, n in cloud.sp_exchanges.count_by().items()
                if user.startswith('bench-')]
    result['cold user exchanges'] = {
        str(n): per_user.count(n) for n in sorted(set(per_user))}
    local_median = {op: result['local'][op]['median']
                    for op in ('attach', 'detach')}
    result['ratios'] = {
        '%s %s / local' % (kind, op): result[kind][op]['median'] /
        local_median[op]
        for kind in ('foreign cold', 'foreign warm')
        for op in ('attach', 'detach')}
    return result


def bench_k2k(cloud, warm_attaches=50, servers=5):
    """SAML assertions at the IdP, HTTP requests at each Keystone."""
    server = cloud.server()
    far = cloud.volume(clouds.FOREIGN)
    result = {'sp_token_life_s': foreign.TOKEN_LIFE}

    user = cloud.new_user()
    _mark(cloud)
    start = time.monotonic()
    cloud.attach_detach(user, server, far, clouds.FOREIGN)
    result['cold attach and detach'] = _exchanges(cloud, start)

    # the demo user, warm; the foreign tokens expire on the way (they
    # live TOKEN_LIFE s, and are renewed with k2k.MIN_TOKEN_LIFE s left)
    cloud.attach_detach(cloud.demo.home, server, far, clouds.FOREIGN)
    _mark(cloud)
    start = time.monotonic()
    for _ in range(warm_attaches):
        cloud.attach_detach(cloud.demo.home, server, far, clouds.FOREIGN)
    result['%d warm attaches and detaches' % warm_attaches] = dict(
        _exchanges(cloud, start), **{
            'home keystone requests per attach+detach':
                cloud.home_requests.count() / warm_attaches,
            'foreign keystone requests per attach+detach':
                cloud.sp_requests.count() / warm_attaches})

    # a new user, several servers on both compute hosts
    hosts = home.COMPUTE_HOSTS
    spread = [cloud.server(hosts[i % len(hosts)]) for i in range(servers)]
    user = cloud.new_user()
    _mark(cloud)
    start = time.monotonic()
    for i in range(warm_attaches):
        cloud.attach_detach(user, spread[i % servers], far, clouds.FOREIGN)
    result['%d attaches of a new user over %d servers on %s' % (
        warm_attaches, servers, ' and '.join(hosts))] = _exchanges(
            cloud, start)
    return result


def _mark(cloud):
    for counter in (cloud.assertions, cloud.sp_exchanges,
                    cloud.home_requests, cloud.sp_requests):
        counter.mark()


def _exchanges(cloud, start):
    """Assertions at the IdP; tokens the provider issued, by user."""
    by_user = cloud.sp_exchanges.count_by()
    nova = by_user.pop('nova', 0)
    return {'assertions': cloud.assertions.count(),
            "user's": sum(by_user.values()), "Nova's own": nova,
            'seconds': time.monotonic() - start}


def _requests(server, log):
    """The requests of an access log: (time, server, client, ...)."""
    found = []
    for m in _GUNICORN.finditer(log):
        found.append({'time': m['time'], 'server': server,
                      'client': m['agent'].split('/')[0],
                      'request': re.sub(r'[0-9a-f-]{32,36}', '{id}',
                                        m['request']),
                      'status': int(m['status']), 'ms': int(m['ms'])})
    for m in _APACHE.finditer(log):
        found.append({'time': m['time'], 'server': server, 'client': '?',
                      'request': re.sub(r'[0-9a-f-]{32,36}', '{id}',
                                        m['request'].split('?')[0]),
                      'status': int(m['status']),
                      'ms': int(m['us']) // 1000})
    return found


def bench_profile(cloud):
    """Every HTTP request one cold foreign attach causes, by server."""
    sb = cloud.sb
    server = cloud.server()
    far = cloud.volume(clouds.FOREIGN)
    user = cloud.new_user()
    logs = {name: LogCounter(sb.log(name + '-access'), _REQUEST)
            for name in ('keystone-home', 'nova-api', 'cinder-home',
                         'cinder-foreign')}
    logs['foreign front (Apache)'] = cloud.sp_requests
    for log in logs.values():
        log.mark()
    attach, _ = cloud.attach_detach(user, server, far, clouds.FOREIGN)
    requests = []
    for name, log in logs.items():
        requests += [r for r in _requests(name, log.read())
                     # the benchmark's own polling of the volume's status
                     if r['client'] != 'bench.py']
    by = {}
    for r in requests:
        key = '%s <- %s: %s' % (r['server'], r['client'], r['request'])
        entry = by.setdefault(key, {'count': 0, 'ms': 0})
        entry['count'] += 1
        entry['ms'] += r['ms']
    return {'attach_seconds': attach, 'requests': requests,
            'by_call': dict(sorted(by.items(),
                                   key=lambda kv: -kv[1]['ms']))}


def bench_list(sb, runs):
    """The provider list benchmark of tools/, its medians and samples."""
    tool = base.CHECKOUT / 'tools' / 'benchmark_provider_list.py'
    proc = subprocess.run([sys.executable, str(tool), '--runs', str(runs),
                           '--json'], check=True, stdout=subprocess.PIPE,
                          text=True, env=dict(os.environ,
                                              MIXMATCH_SANDBOX_DIR=str(
                                                  sb.dir)))
    return json.loads(proc.stdout)


def bench_memory(sb):
    """The identity cache's RSS, each case in a process of its own."""
    from mixmatch_sandbox import bench_memory as memory
    results = {}
    for case in memory.CASES:
        proc = subprocess.run(
            [sys.executable, '-m', 'mixmatch_sandbox.bench_memory', case],
            check=True, stdout=subprocess.PIPE, text=True,
            env=dict(os.environ, MIXMATCH_SANDBOX_DIR=str(sb.dir)))
        results[case] = json.loads(proc.stdout.splitlines()[-1])
    return results


def _table(results):
    lines = []
    attach = results.get('attach')
    if attach:
        lines.append('attach + detach, seconds (median, min-max, n)')
        for kind in ('local', 'foreign cold', 'foreign warm'):
            for op in ('attach', 'detach'):
                r = attach[kind][op]
                lines.append('  %-14s %-7s %6.2f  %5.2f-%5.2f  %d' % (
                    kind, op, r['median'], r['min'], r['max'], r['n']))
        for label, ratio in attach['ratios'].items():
            lines.append('  %-30s %5.2f x' % (label, ratio))
        lines.append('  K2K exchanges per cold user at the provider '
                     '(exchanges: users): %s' % ', '.join(
                         '%s: %d' % kv
                         for kv in attach['cold user exchanges'].items()))
    k2k = results.get('k2k')
    if k2k:
        lines.append('K2K exchanges: SAML assertions at the home Keystone '
                     "(the user's and Nova's own at the provider); foreign "
                     'tokens live %d s' % k2k['sp_token_life_s'])
        for label, r in k2k.items():
            if isinstance(r, dict):
                lines.append('  %-60s %3d (%d + %d) %6.1f s' % (
                    label, r['assertions'], r["user's"], r["Nova's own"],
                    r['seconds']))
                for key in sorted(r):
                    if key.endswith('per attach+detach'):
                        lines.append('    %-58s %5.1f' % (key, r[key]))
    profile = results.get('profile')
    if profile:
        lines.append('a cold foreign attach (%.2f s, then its detach): HTTP '
                     'requests, count and total ms, by server <- client'
                     % profile['attach_seconds'])
        lines.extend('  %-74s %2d %6d' % (key, r['count'], r['ms'])
                     for key, r in profile['by_call'].items())
    listing = results.get('list')
    if listing:
        lines.append('openstack mixmatch volume list, seconds (median)')
        lines.extend('  ' + line for line in listing['table'])
    memory = results.get('memory')
    if memory:
        lines.append('identity cache, RSS added')
        for label, r in memory.items():
            lines.append('  %-50s %7.1f MiB, %d cached' % (
                label, r['rss_mib'], r['cached']))
        lines.append('  (a foreign token body, as a request carries it: '
                     '%d bytes)' % r['token_body_bytes'])
    return lines


def main(argv=None, sb=None):
    parser = argparse.ArgumentParser(prog='mixmatch-sandbox bench',
                                     description=__doc__.split('\n')[0])
    parser.add_argument('--samples', type=int, default=20,
                        help='interleaved attach samples of each kind')
    parser.add_argument('--k2k-attaches', type=int, default=50,
                        help='attaches of the K2K counts (warm; spread)')
    parser.add_argument('--list-runs', type=int, default=5)
    parser.add_argument('--only', action='append', choices=PARTS)
    parser.add_argument('--output', default=str(
        base.CHECKOUT / 'bench' / 'results.json'))
    args = parser.parse_args(argv)
    sb = sb or base.Sandbox()
    parts = args.only or PARTS
    results = {'started': datetime.datetime.now(
        datetime.timezone.utc).isoformat(), 'machine': machine()}
    cloud = Cloud(sb)
    try:
        if 'attach' in parts:
            results['attach'] = bench_attach(cloud, args.samples)
        if 'k2k' in parts:
            results['k2k'] = bench_k2k(cloud, args.k2k_attaches)
        if 'profile' in parts:
            results['profile'] = bench_profile(cloud)
    finally:
        cloud.cleanup()
    if 'list' in parts:
        results['list'] = bench_list(sb, args.list_runs)
    if 'memory' in parts:
        results['memory'] = bench_memory(sb)
    results['machine']['load_average_end'] = os.getloadavg()
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, 'w') as f:
        json.dump(results, f, indent=2)
    print('\n'.join(_table(results)))
    print('load average %s at the start, %s at the end; %d CPUs; raw '
          'samples in %s' % (
              ' '.join('%.1f' % x for x in results['machine']['load_average']),
              ' '.join('%.1f' % x for x in os.getloadavg()),
              os.cpu_count(), args.output))
    return 0


if __name__ == '__main__':
    sys.exit(main())
