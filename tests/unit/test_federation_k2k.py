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

import fixtures
from keystoneauth1 import identity
from keystoneauth1 import session as ks_session
from oslotest import base

from mixmatch_federation import exception
from mixmatch_federation import k2k
from tests.doubles import cloud

PROJECT = 'k2k-home-project'


class FederatedAuthTest(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.cloud = self.useFixture(cloud.CloudDouble(
            service_providers=('sp1',)))
        self.cloud.add_user('alice', 'home-project', password='a')
        self.cloud.add_user('bob', 'home-project', password='b')

    def federated(self, user, password, project_id=PROJECT):
        home = identity.v3.Password(
            auth_url=self.cloud.home_auth_url, username=user,
            password=password, project_id='home-project',
            user_domain_id='default')
        return k2k.FederatedAuth(home, 'sp1', project_id=project_id)

    def federated_user(self, session, auth):
        ref = auth.get_access(session)
        return self.cloud.issuer(ref.auth_token), ref.username

    def test_the_home_cloud_and_the_project(self):
        session = ks_session.Session()
        auth = self.federated('alice', 'a', project_id=None)
        self.assertEqual(('sp1', 'alice'),
                         self.federated_user(session, auth))
        self.assertEqual(PROJECT, auth.project_id)
        self.assertEqual(cloud.IDP_ID, auth.identity_provider)
        self.assertEqual('sp1', auth.service_provider)

    def test_unknown_service_provider(self):
        auth = k2k.FederatedAuth(self.federated('alice', 'a').home, 'nope')
        self.assertRaises(exception.ServiceProviderNotFound,
                          auth.get_access, ks_session.Session())

    def test_exchanges_sharing_a_session_keep_their_identity(self):
        """Another exchange between the two requests of this one."""
        session = ks_session.Session()
        alice, bob = self.federated('alice', 'a'), self.federated('bob', 'b')
        get = session.get
        interleaved = []

        def get_after_bob(url, **kwargs):
            if bob not in interleaved:
                # alice's assertion was accepted; bob logs in meanwhile and
                # his session cookie lands in the shared jar
                interleaved.append(bob)
                interleaved.append(self.federated_user(session, bob))
            return get(url, **kwargs)

        self.useFixture(fixtures.MockPatchObject(session, 'get',
                                                 get_after_bob))
        self.assertEqual(('sp1', 'alice'),
                         self.federated_user(session, alice))
        self.assertEqual([bob, ('sp1', 'bob')], interleaved)
