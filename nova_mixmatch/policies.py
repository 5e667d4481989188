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

"""Policy rules of mixmatch, declared in code.

Listed for oslopolicy-sample-generator under the namespace nova_mixmatch;
operators override them in Nova's policy file.
"""

from oslo_policy import policy

from nova_mixmatch import conf

ATTACH_FOREIGN = 'mixmatch:os-volumes-attachments:create:service_provider'
CREATE_FOREIGN = 'mixmatch:servers:create:service_provider'

RULES = [
    policy.DocumentedRuleDefault(
        name=ATTACH_FOREIGN,
        check_str='(role:member and project_id:%(project_id)s) or '
                  'role:admin',
        description='Attach to a server a volume of another cloud, a '
                    'Keystone service provider of the home Keystone.',
        operations=[{'method': 'POST',
                     'path': '/servers/{server_id}/os-volume_attachments'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name=CREATE_FOREIGN,
        check_str='(role:member and project_id:%(project_id)s) or '
                  'role:admin',
        description='Create a server from an image, or with volumes, of '
                    'another cloud, a Keystone service provider of the home '
                    'Keystone (image_service_provider, or service_provider '
                    'in block_device_mapping_v2).',
        operations=[{'method': 'POST', 'path': '/servers'}],
        scope_types=['project']),
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


def authorize(context, rule, target):
    """Raise ``PolicyNotAuthorized`` unless ``context`` may do ``rule``."""
    enforcer().authorize(rule, target, context, do_raise=True)
