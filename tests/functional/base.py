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

"""The functional tier's Nova: real nova-api (WSGI, in process), conductor,
scheduler and compute (fake virt driver) on patched nova, talking over
oslo.messaging; the home Keystone and the foreign Keystone, Cinder and
Glance are the HTTP doubles of tests.doubles.cloud.
"""

import os
import sys

import fixtures
from nova import context as nova_context
from nova import test
from nova.tests import fixtures as nova_fixtures
from nova.tests.functional import fixtures as func_fixtures
from nova.tests.functional import integrated_helpers

from nova_mixmatch import foreign
from nova_mixmatch import router
from tests.doubles import cloud

SP = 'sp1'


class FunctionalTestCase(test.TestCase,
                         integrated_helpers.InstanceHelperMixin):
    """Patched Nova in process, mixmatch enabled, the clouds doubled."""

    def setUp(self):
        super().setUp()
        self.cloud = self.useFixture(cloud.CloudDouble(
            service_providers=(SP, 'sp2')))
        self.flags(enabled=True, home_auth_url=self.cloud.home_auth_url,
                   group='mixmatch')
        # No CinderFixture: a call routed to the home Cinder fails, as this
        # home cloud has none in its catalog.
        self.useFixture(nova_fixtures.NeutronFixture(self))
        self.useFixture(nova_fixtures.GlanceFixture(self))
        self.useFixture(func_fixtures.PlacementFixture())
        # The nova wheel installs api-paste.ini under <prefix>/etc/nova.
        self.flags(api_paste_config=os.path.join(
            sys.prefix, 'etc', 'nova', 'api-paste.ini'), group='wsgi')
        api_fixture = self.useFixture(nova_fixtures.OSAPIFixture(
            api_version='v2.1'))
        self._pass_user_tokens()
        self.api = api_fixture.api
        self.api.microversion = 'latest'
        self.admin_api = api_fixture.admin_api
        self.admin_api.microversion = 'latest'
        self.project_id = api_fixture.project_id
        self.start_service('conductor')
        self.start_service('scheduler')
        self.compute = self._start_compute('compute')
        for cache in (foreign.clients, router.process_router):
            cache.cache_clear()
            self.addCleanup(cache.cache_clear)
        self.remote_project = 'k2k-' + self.project_id

    def _pass_user_tokens(self):
        """Give request contexts the token keystonemiddleware would."""
        def create_context(env, **kwargs):
            user_id = env['HTTP_X_AUTH_USER']
            project_id = env['HTTP_X_AUTH_PROJECT_ID']
            return nova_context.RequestContext(
                user_id, project_id, is_admin=user_id == 'admin',
                roles=env['HTTP_X_ROLES'].split(','),
                auth_token='%s:%s' % (user_id, project_id), **kwargs)

        self.useFixture(fixtures.MonkeyPatch(
            'nova.api.auth.NovaKeystoneContext._create_context',
            create_context))
