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

"""Policy rules of cinder_mixmatch, declared in code.

Listed for oslopolicy-sample-generator under the namespace
cinder_mixmatch; operators override them in Cinder's policy file, which
this enforcer reads too (``[oslo_policy] policy_file``).
"""

from oslo_policy import policy

from cinder_mixmatch import conf

LIST_FOREIGN_ATTACHMENTS = 'mixmatch:foreign_attachments:get_all'
RELEASE_ATTACHMENT = 'mixmatch:foreign_attachments:release'
ROLL_DETACHING = 'mixmatch:foreign_volumes:roll_detaching'
DELETE_VOLUME = 'mixmatch:foreign_volumes:delete'
#: A home cloud's Nova, federated here (the default mapping gives it the
#: service role, not member).
HOME_NOVA = 'role:service'


def _home_nova_rule(name, method, path, description):
    """A rule of what a home cloud's Nova does after its servers."""
    return policy.DocumentedRuleDefault(
        name=name, check_str=HOME_NOVA, description=description,
        operations=[{'method': method, 'path': path}],
        scope_types=['project'])


RULES = [
    policy.DocumentedRuleDefault(
        name=LIST_FOREIGN_ATTACHMENTS,
        check_str='role:admin or ' + HOME_NOVA,
        description='List the attachments of every project that servers of '
                    'other clouds (K2K identity providers) hold, with the '
                    'cloud and the server. A caller federated from a home '
                    'cloud sees only that cloud\'s.',
        operations=[{'method': 'GET',
                     'path': '/v3/{project_id}/os-mixmatch-attachments'}],
        scope_types=['project']),
    _home_nova_rule(
        RELEASE_ATTACHMENT, 'DELETE',
        '/v3/{project_id}/os-mixmatch-attachments/{attachment_id}',
        'Release (delete) an attachment that a server of the caller\'s '
        'home cloud held. Only on attachments whose connector names that '
        'cloud.'),
    _home_nova_rule(
        ROLL_DETACHING, 'POST',
        '/v3/{project_id}/os-mixmatch-volumes/{volume_id}/roll_detaching',
        'Put a volume left detaching back in use, when every attachment '
        'of it belongs to the caller\'s home cloud.'),
    _home_nova_rule(
        DELETE_VOLUME, 'DELETE',
        '/v3/{project_id}/os-mixmatch-volumes/{volume_id}',
        'Delete an available volume of the caller\'s project that a server '
        'of the caller\'s home cloud held (delete on termination).'),
]


def list_rules():
    return RULES


_enforcer = None


def enforcer():
    global _enforcer
    if _enforcer is None:
        _enforcer = policy.Enforcer(conf.CONF)
        _enforcer.register_defaults(RULES)
    return _enforcer


def authorize(context, rule, target, exc):
    """Raise ``exc`` unless ``context`` may do ``rule`` on ``target``."""
    enforcer().authorize(rule, target, context, do_raise=True, exc=exc,
                         action=rule)
