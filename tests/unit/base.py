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

"""Shared setup of the unit tests."""

from keystoneauth1 import loading as ks_loading
from nova import context as nova_context
from oslo_config import fixture as config_fixture
from oslotest import base

from nova_mixmatch import conf
from tests.doubles import cloud


class TestCase(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.conf = self.useFixture(config_fixture.Config(conf.CONF))

    def flags(self, group='mixmatch', **kwargs):
        self.conf.config(group=group, **kwargs)

    def nova_identity(self, auth_url, **password):
        """[mixmatch] auth_type = password, with Nova's own credentials."""
        self.flags(auth_type='password')
        self.conf.register_opts(
            ks_loading.get_auth_plugin_conf_options('password'),
            group='mixmatch')
        self.flags(auth_url=auth_url, username='nova', password='secret',
                   user_domain_id='default', **password)


class CloudTestCase(TestCase):
    """With the HTTP double of a home Keystone and two service providers."""

    TOKEN_TTL = 3600
    #: the service providers' (None: TOKEN_TTL)
    SP_TOKEN_TTL = None

    def setUp(self):
        super().setUp()
        self.cloud = self.useFixture(cloud.CloudDouble(
            service_providers=('sp1', 'sp2'), token_ttl=self.TOKEN_TTL,
            sp_token_ttl=self.SP_TOKEN_TTL))
        self.flags(enabled=True, home_auth_url=self.cloud.home_auth_url)

    def user_context(self, user_id='alice', project_id='home-project'):
        return nova_context.RequestContext(
            user_id, project_id, is_admin=False,
            auth_token='%s:%s' % (user_id, project_id))
