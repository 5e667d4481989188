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

from keystoneauth1 import identity
from nova import context as nova_context

from nova_mixmatch import exception
from nova_mixmatch.foreign import home
from tests.unit import base


class HomeAuthTest(base.TestCase):

    def test_user_token(self):
        context = nova_context.RequestContext('u', 'p', is_admin=False,
                                              auth_token='tok')
        self.flags(home_auth_url='https://keystone.example.org/v3')
        auth = home.home_auth(context)
        self.assertIsInstance(auth, identity.v3.Token)
        self.assertEqual('https://keystone.example.org/v3', auth.auth_url)
        self.assertEqual('p', auth.project_id)

    def test_without_token_needs_nova_identity(self):
        context = nova_context.get_admin_context()
        self.assertRaises(exception.NoHomeIdentity, home.home_auth, context)

    def test_without_token_uses_nova_identity(self):
        self.nova_identity('https://keystone.example.org/v3',
                           project_name='service',
                           project_domain_id='default')
        auth = home.home_auth(nova_context.get_admin_context())
        self.assertIsInstance(auth, identity.Password)

    def test_another_service_acts_as_nova(self):
        """A provider Cinder's event: its identity means nothing there."""
        context = nova_context.RequestContext(
            'cinder', 'service', is_admin=False, auth_token='tok',
            roles=['service'])
        self.assertFalse(home.acts_as_nova(context))
        self.flags(auth_type='password')
        self.assertTrue(home.acts_as_nova(context))

    def test_users_act_as_themselves(self):
        self.flags(auth_type='password')
        self.assertFalse(home.acts_as_nova(nova_context.RequestContext(
            'u', 'p', is_admin=False, auth_token='tok',
            roles=['member', 'admin'])))


class NovaIdentityConfiguredTest(base.TestCase):

    def test_not_configured(self):
        self.assertFalse(home.nova_identity_configured())

    def test_auth_section(self):
        self.flags(auth_section='service_user')
        self.assertTrue(home.nova_identity_configured())

    def test_auth_type(self):
        self.flags(auth_type='password')
        self.assertTrue(home.nova_identity_configured())
