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
from oslo_config import cfg
from oslo_context import context
from oslo_policy import opts as policy_opts
from oslo_policy import policy
from oslotest import base

from nova_mixmatch import policies

TARGET = {'project_id': 'server-project'}


def _context(project_id='server-project', roles=('member', 'reader')):
    return context.RequestContext(user_id='alice', project_id=project_id,
                                  roles=list(roles))


class TestListRules(base.BaseTestCase):

    def test_names_the_rule(self):
        self.assertEqual([policies.ATTACH_FOREIGN, policies.CREATE_FOREIGN],
                         [rule.name for rule in policies.list_rules()])
        attach, create = policies.list_rules()
        self.assertEqual(['project'], attach.scope_types)
        self.assertEqual(
            [{'method': 'POST',
              'path': '/servers/{server_id}/os-volume_attachments'}],
            attach.operations)
        self.assertEqual(['project'], create.scope_types)
        self.assertEqual([{'method': 'POST', 'path': '/servers'}],
                         create.operations)


class TestAuthorize(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        # A parsed configuration without files: the default policy file is
        # missing, which oslo.policy accepts, so the in-code rule applies.
        self.conf = cfg.ConfigOpts()
        self.conf([], default_config_files=[])
        for name, value in (('nova_mixmatch.conf.CONF', self.conf),
                            ('nova_mixmatch.policies._enforcer', None)):
            self.useFixture(fixtures.MonkeyPatch(name, value))

    def _authorize(self, ctx):
        policies.authorize(ctx, policies.ATTACH_FOREIGN, TARGET)

    def test_member_of_the_project(self):
        self._authorize(_context())

    def test_member_of_another_project(self):
        self.assertRaises(policy.PolicyNotAuthorized,
                          self._authorize, _context('other-project'))

    def test_reader(self):
        self.assertRaises(policy.PolicyNotAuthorized,
                          self._authorize, _context(roles=['reader']))

    def test_admin(self):
        self._authorize(
            _context('admin-project', roles=['admin', 'member', 'reader']))

    def test_enforcer_is_built_once(self):
        self.assertIs(policies.enforcer(), policies.enforcer())
        self.assertIs(self.conf, policies.enforcer().conf)

    def test_policy_file_overrides_the_rule(self):
        policy_file = self.useFixture(fixtures.TempDir()).join('policy.yaml')
        with open(policy_file, 'w') as f:
            f.write('"%s": "role:admin"\n' % policies.ATTACH_FOREIGN)
        policy_opts.set_defaults(self.conf, policy_file=policy_file)

        self.assertRaises(policy.PolicyNotAuthorized,
                          self._authorize, _context())
        self._authorize(_context('admin-project', roles=['admin']))
