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

"""Keystone mixes up the tokens of concurrent requests: a reproducer.

Needs only the keystone package (and gunicorn) of the Python running it;
no mixmatch, no Apache, no SAML. It makes a Keystone in a temporary
directory (SQLite, fernet tokens), serves it with gunicorn (``--workers``
processes of ``--threads`` threads; default one of 8) on 127.0.0.1, sends
two users' requests at once and counts the wrong answers. Exit status 1 if
there was any.

``--case federated``: alice and bob log in through a federation protocol
(the ``mapped`` method; the identity provider's attributes are request
headers, as behind mod_shib with ``ShibUseHeaders On``), each mapped into
a group of their own that holds a role on a project of their own, and
list their projects with the new unscoped token (``GET /v3/auth/projects``).
Each must see its own project, and only it.

``--case password``: plain password tokens. The admin reads its own user
record with a token scoped to the Default domain while a member of a
project reads the admin's record with a project token: the member must be
refused (403) every time.
"""

import argparse
import collections
import concurrent.futures
import contextlib
import importlib.metadata
import json
import os
import pathlib
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import requests

HOST = '127.0.0.1'
DOMAIN = 'default'
FEDERATED_USERS = ('alice', 'bob')
IDP = 'trusted-front'
# The front end (e.g. mod_shib) names the asserting identity provider in
# this header, and the users' attributes in the next two.
IDP_HEADER = 'X-Fed-Idp'
USER_HEADER = 'X-Fed-User'
GROUP_HEADER = 'X-Fed-Group'
TIMEOUT = 120


def _environ_key(header):
    return 'HTTP_' + header.upper().replace('-', '_')


def _free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _write_config(state, cache):
    (state / 'etc').mkdir()
    (state / 'etc' / 'keystone.conf').write_text(
        '[database]\nconnection = sqlite:///%s\n'
        '[fernet_tokens]\nkey_repository = %s\n'
        '[fernet_receipts]\nkey_repository = %s\n'
        '[cache]\nenabled = %s\nbackend = oslo_cache.dict\n'
        % (state / 'keystone.db', state / 'fernet-keys',
           state / 'fernet-keys', cache))
    # oslo.config parses sys.argv when keystone is imported: the workers
    # must not see gunicorn's arguments.
    (state / 'keystone_race_wsgi.py').write_text(
        'import os\nimport sys\n\nsys.argv = sys.argv[:1]\n'
        'os.environ["OS_KEYSTONE_CONFIG_DIR"] = %r\n\n'
        'from keystone.wsgi.api import application  # noqa\n'
        % str(state / 'etc'))
    return state / 'etc' / 'keystone.conf'


def _keystone_manage(conf, log, *args, env=None):
    manage = pathlib.Path(sys.executable).with_name('keystone-manage')
    subprocess.run([manage, '--config-file', conf, *args], check=True,
                   stdout=log, stderr=subprocess.STDOUT,
                   env=dict(os.environ, **(env or {})))


@contextlib.contextmanager
def keystone(state, workers, threads, cache):
    """A Keystone under gunicorn; yields (base url, admin password)."""
    conf = _write_config(state, cache)
    password = secrets.token_urlsafe(16)
    port = _free_port()
    url = 'http://%s:%d' % (HOST, port)
    with open(state / 'keystone.log', 'wb') as log:
        _keystone_manage(conf, log, 'db_sync')
        _keystone_manage(conf, log, 'fernet_setup',
                         '--keystone-user', str(os.getuid()),
                         '--keystone-group', str(os.getgid()))
        # The password in the environment: not in argv, nor in an error.
        _keystone_manage(conf, log, 'bootstrap',
                         '--bootstrap-public-url', url + '/v3',
                         env={'OS_BOOTSTRAP_PASSWORD': password})
        server = subprocess.Popen(
            [sys.executable, '-m', 'gunicorn', '--workers', str(workers),
             '--threads', str(threads), '--bind', '%s:%d' % (HOST, port),
             '--no-control-socket', '--chdir', str(state),
             'keystone_race_wsgi:application'],
            stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_for(url + '/v3', server)
            yield url + '/v3', password
        finally:
            server.terminate()
            server.wait(TIMEOUT)


def _wait_for(url, server):
    deadline = time.monotonic() + TIMEOUT
    while True:
        if server.poll() is not None:
            sys.exit('keystone exited (%d); --keep keeps its log'
                     % server.returncode)
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass  # not listening yet, or still loading the application
        if time.monotonic() > deadline:
            sys.exit('keystone not answering after %d s' % TIMEOUT)
        time.sleep(0.2)


class Client:
    """Just enough of the identity API, with a token of its own."""

    def __init__(self, url, token):
        self.url = url
        self.headers = {'X-Auth-Token': token}

    def call(self, method, path, expect=(200, 201, 204), **kwargs):
        resp = requests.request(method, self.url + path, headers=self.headers,
                                timeout=TIMEOUT, **kwargs)
        if resp.status_code not in expect:
            sys.exit('%s %s: %d %s' % (method, path, resp.status_code,
                                       resp.text))
        return resp.json() if resp.content else None

    def create(self, collection, **body):
        key = collection.rstrip('s')
        return self.call('POST', '/' + collection, json={key: body})[key]


def password_token(url, user, password, scope):
    resp = requests.post(url + '/auth/tokens', timeout=TIMEOUT, json={
        'auth': {'identity': {'methods': ['password'], 'password': {
            'user': {'name': user, 'domain': {'id': DOMAIN},
                     'password': password}}},
                 'scope': scope}})
    resp.raise_for_status()
    return resp.headers['X-Subject-Token']


def _role_id(admin, name):
    [role] = admin.call('GET', '/roles', params={'name': name})['roles']
    return role['id']


def federated_case(url, admin):
    """alice's and bob's federated tokens; each lists its projects."""
    domain = admin.create('domains', name='by-header')
    member = _role_id(admin, 'member')
    for user in FEDERATED_USERS:
        group = admin.create('groups', name=user, domain_id=domain['id'])
        project = admin.create('projects', name=user,
                               domain_id=domain['id'])
        admin.call('PUT', '/projects/%s/groups/%s/roles/%s'
                   % (project['id'], group['id'], member))
    admin.call('PUT', '/OS-FEDERATION/mappings/by-header', json={
        'mapping': {'rules': [{
            'local': [{'user': {'name': '{0}'}},
                      {'group': {'name': '{1}',
                                 'domain': {'id': domain['id']}}}],
            'remote': [{'type': _environ_key(USER_HEADER)},
                       {'type': _environ_key(GROUP_HEADER)}]}]}})
    admin.call('PUT', '/OS-FEDERATION/identity_providers/' + IDP, json={
        'identity_provider': {'domain_id': domain['id'], 'enabled': True,
                              'remote_ids': [IDP]}})
    admin.call('PUT', '/OS-FEDERATION/identity_providers/%s/protocols/mapped'
               % IDP, json={'protocol': {
                   'mapping_id': 'by-header',
                   'remote_id_attribute': _environ_key(IDP_HEADER)}})
    tokens = {user: _federated_login(url, user) for user in FEDERATED_USERS}

    def list_projects(user):
        projects = Client(url, tokens[user]).call('GET', '/auth/projects')[
            'projects']
        return tuple(sorted(p['name'] for p in projects))
    return FEDERATED_USERS, list_projects


def _federated_login(url, user):
    resp = requests.post(
        url + '/OS-FEDERATION/identity_providers/%s/protocols/mapped/auth'
        % IDP, timeout=TIMEOUT,
        headers={IDP_HEADER: IDP, USER_HEADER: user, GROUP_HEADER: user})
    resp.raise_for_status()
    return resp.headers['X-Subject-Token']


def password_case(url, admin, admin_password):
    """The admin's domain token and a project member's token.

    Each reads the admin's user record: the member must get 403.
    """
    member_password = secrets.token_urlsafe(16)
    project = admin.create('projects', name='race', domain_id=DOMAIN)
    member = admin.create('users', name='race-member', domain_id=DOMAIN,
                          password=member_password)
    [admin_user] = admin.call('GET', '/users', params={'name': 'admin'})[
        'users']
    admin.call('PUT', '/projects/%s/users/%s/roles/%s' % (
        project['id'], member['id'], _role_id(admin, 'member')))
    admin.call('PUT', '/domains/%s/users/%s/roles/%s' % (
        DOMAIN, admin_user['id'], _role_id(admin, 'admin')))
    tokens = {
        'admin': password_token(url, 'admin', admin_password,
                                {'domain': {'id': DOMAIN}}),
        'race-member': password_token(
            url, 'race-member', member_password,
            {'project': {'name': 'race', 'domain': {'id': DOMAIN}}})}

    def read_admin(user):
        return requests.get(
            '%s/users/%s' % (url, admin_user['id']), timeout=TIMEOUT,
            headers={'X-Auth-Token': tokens[user]}).status_code
    return tuple(tokens), read_admin


def run(args, state):
    """{user: answer alone}, Counter of (user, answer) at once."""
    with keystone(state, args.workers, args.threads,
                  args.cache) as (url, password):
        admin = Client(url, password_token(url, 'admin', password,
                                           {'system': {'all': True}}))
        if args.case == 'federated':
            users, ask = federated_case(url, admin)
        else:
            users, ask = password_case(url, admin, password)
        expected = {user: ask(user) for user in users}

        def attempt(i):
            user = users[i % len(users)]
            return user, ask(user)
        with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
            return expected, collections.Counter(
                pool.map(attempt, range(args.requests)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--case', choices=('federated', 'password'),
                        default='federated')
    parser.add_argument('--workers', type=int, default=1,
                        help='gunicorn worker processes')
    parser.add_argument('--threads', type=int, default=8,
                        help='gunicorn threads of each worker')
    parser.add_argument('--requests', type=int, default=200)
    parser.add_argument('--concurrency', type=int, default=8)
    parser.add_argument('--no-cache', dest='cache', action='store_false',
                        help="Keystone's [cache] off")
    parser.add_argument('--keep', action='store_true',
                        help='keep the state directory (logs, config)')
    args = parser.parse_args(argv)
    state = pathlib.Path(tempfile.mkdtemp(prefix='keystone-race-'))
    try:
        expected, seen = run(args, state)
    finally:
        if args.keep:
            print('state: %s' % state)
        else:
            shutil.rmtree(state)
    print('keystone %s, gunicorn %d worker(s) x %d thread(s), cache %s'
          % (importlib.metadata.version('keystone'), args.workers,
             args.threads, 'on' if args.cache else 'off'))
    print('case %s: %d requests, %d at a time'
          % (args.case, args.requests, args.concurrency))
    for user, answer in expected.items():
        print('  alone, %s: %s' % (user, json.dumps(answer)))
    for (user, answer), count in sorted(seen.items()):
        mark = '' if answer == expected[user] else '   <-- WRONG'
        print('  %4d x %s: %s%s' % (count, user, json.dumps(answer), mark))
    wrong = sum(n for (user, answer), n in seen.items()
                if answer != expected[user])
    print('wrong: %d of %d' % (wrong, args.requests))
    return 1 if wrong else 0


if __name__ == '__main__':
    sys.exit(main())
