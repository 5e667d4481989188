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

"""The fan-out of mixmatch_client over the user's clouds."""

import os
import stat
import threading
from unittest import mock

import fixtures
from keystoneauth1 import exceptions as ksa_exceptions
from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
from oslotest import base

from mixmatch_client import cache
from mixmatch_client import clouds
from mixmatch_client import volume
from mixmatch_federation import exception
from tests.doubles import cloud


class ReasonTest(base.BaseTestCase):

    def test_connect_failure_without_the_urllib3_chain(self):
        exc = ksa_exceptions.ConnectFailure(
            'Unable to establish connection to http://sp.example.org/v3: '
            "HTTPConnectionPool(host='sp.example.org', port=80): Max "
            'retries exceeded')
        self.assertEqual('Unable to establish connection to '
                         'http://sp.example.org/v3', clouds.reason(exc))

    def test_one_line(self):
        self.assertEqual('a b', clouds.reason(ValueError('a\n  b')))


class QueryTest(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.clouds = clouds.Clouds(mock.Mock())
        self.sps = ['sp%d' % n for n in range(8)]
        self.useFixture(fixtures.MockPatchObject(
            self.clouds, 'service_providers', return_value=self.sps))
        self.useFixture(fixtures.MockPatchObject(
            self.clouds, 'projects', side_effect=lambda sp: [
                clouds.Scope(sp, 'p-' + sp, 'name-' + sp, None)]))

    def test_providers_answer_in_parallel(self):
        # Each waits for all the others: a serial query would time out.
        barrier = threading.Barrier(len(self.sps), timeout=10)

        def func(scope):
            barrier.wait()
            return scope.project_id

        outcomes = self.clouds.query(func, home=False)
        self.assertEqual([(sp, 'p-' + sp, None) for sp in self.sps],
                         [(o.provider, o.value, o.error) for o in outcomes])

    def test_one_failure_fails_only_its_provider(self):
        def func(scope):
            if scope.provider == 'sp3':
                raise ksa_exceptions.ServiceUnavailable()
            return 'ok'

        outcomes = self.clouds.query(func, ['sp3', 'sp4', 'nowhere'])
        self.assertEqual(
            [('sp3', None, 'Service Unavailable (HTTP 503)'),
             ('sp4', 'ok', None),
             ('nowhere', None, 'Service provider nowhere is unknown or '
                               'disabled in the home Keystone.')],
            [(o.provider, o.value, o.error) for o in outcomes])

    def test_a_bug_is_not_hidden(self):
        self.assertRaises(ZeroDivisionError, self.clouds.query,
                          lambda scope: 1 / 0, ['sp1'])


class CloudDoubleTestCase(base.BaseTestCase):
    """Against the HTTP double of a home Keystone and two providers."""

    def setUp(self):
        super().setUp()
        self.cloud = self.useFixture(cloud.CloudDouble(('sp1', 'sp2')))
        self.token = self.cloud.add_user('alice', 'proj-a')
        self.clouds = self.new_clouds()

    def new_clouds(self, k2k_cache=None):
        """The clouds of alice, as a new command would see them."""
        return clouds.Clouds(ks_session.Session(auth=v3.Token(
            self.cloud.home_auth_url, self.token, project_id='proj-a')),
            cache=k2k_cache)


class FederateTest(CloudDoubleTestCase):

    def test_service_providers_of_the_home_token(self):
        self.assertEqual(['sp1', 'sp2'], self.clouds.service_providers())

    def test_projects(self):
        self.cloud.add_remote_project('sp1', 'alice', 'extra')
        self.assertEqual(
            [('sp1', 'extra'), ('sp1', 'k2k-proj-a')],
            [(s.provider, s.project_id) for s in self.clouds.projects('sp1')])
        self.assertEqual({'sp1': 1}, self.cloud.ecp_exchanges)

    def test_federate_refuses_to_guess(self):
        self.cloud.add_remote_project('sp1', 'alice', 'extra')
        self.assertRaises(exception.RemoteProjectAmbiguous,
                          self.clouds.federate, 'sp1')
        scope = self.clouds.federate('sp1', 'extra')
        self.assertEqual(('sp1', 'extra'), (scope.provider, scope.project_id))

    def test_cinder_under_either_type(self):
        for types in (('block-storage',), ('volumev3',)):
            self.cloud = self.useFixture(cloud.CloudDouble(
                ('sp1',), cinder_types=types))
            self.token = self.cloud.add_user('alice', 'proj-a')
            volume_id = self.cloud.create_volume('sp1', 'k2k-proj-a')
            [outcome] = self.new_clouds().query(volume.list_volumes, ['sp1'])
            self.assertEqual(
                [volume_id], [v['id'] for v in outcome.value], types)

    def test_federate_unknown_provider(self):
        self.assertRaises(exception.ServiceProviderNotFound,
                          self.clouds.federate, 'nowhere')


class K2KCacheTest(CloudDoubleTestCase):

    def setUp(self):
        super().setUp()
        self.directory = self.useFixture(fixtures.TempDir()).join('k2k')
        self.cache = cache.K2KCache(self.directory)
        self.volume = self.cloud.create_volume('sp1', 'k2k-proj-a')

    def list_volumes(self):
        [outcome] = self.new_clouds(self.cache).query(
            lambda scope: [v['id'] for v in scope.block_storage().get(
                '/volumes').json()['volumes']], ['sp1'])
        return outcome.value

    def test_next_command_skips_the_exchange(self):
        self.assertEqual([self.volume], self.list_volumes())
        self.assertEqual([self.volume], self.list_volumes())
        self.assertEqual({'sp1': 1}, self.cloud.ecp_exchanges)
        # bearer tokens: the owner's only
        [name] = os.listdir(self.directory)
        self.assertEqual(
            (0o700, 0o600),
            (stat.S_IMODE(os.stat(self.directory).st_mode),
             stat.S_IMODE(os.stat(os.path.join(self.directory,
                                               name)).st_mode)))

    def test_existing_directory_is_made_private(self):
        os.mkdir(self.directory, 0o755)
        os.chmod(self.directory, 0o755)   # whatever the umask
        self.list_volumes()
        self.assertEqual(0o700,
                         stat.S_IMODE(os.stat(self.directory).st_mode))

    def test_refused_token_is_exchanged_again(self):
        self.list_volumes()
        self.cloud.revoke_sp_tokens('sp1')
        self.assertEqual([self.volume], self.list_volumes())
        self.assertEqual({'sp1': 2}, self.cloud.ecp_exchanges)

    def test_entry_not_ours_is_exchanged_again(self):
        self.list_volumes()
        [name] = os.listdir(self.directory)
        for junk in ('not json', '{"state": "{}", "auth_url": 1}', '[]'):
            with open(os.path.join(self.directory, name), 'w') as f:
                f.write(junk)
            self.assertEqual([self.volume], self.list_volumes())
        self.assertEqual({'sp1': 4}, self.cloud.ecp_exchanges)
