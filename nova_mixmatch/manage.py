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

"""``mixmatch-manage``: the operator's commands, where nova.conf is.

``mixmatch-manage [--config-file nova.conf] audit [--fix] [--grace S]``
lists the differences between this Nova's block device mappings and the
attachments and volumes at each service provider
(:mod:`nova_mixmatch.reconcile`), and repairs them with ``--fix``. It
runs as Nova itself (the ``[mixmatch]`` auth options) and reads Nova's
database (``[database]``). Exit status: 0 when nothing is left to
repair, 1 when something is, 2 on a usage error.
"""

import sys

from nova import config
from nova import context as nova_context
from nova import objects
from oslo_config import cfg
import prettytable

from nova_mixmatch import conf
from nova_mixmatch import reconcile

__all__ = ['main']

CONF = conf.CONF
COLUMNS = ('Kind', 'Provider', 'Volume', 'Attachment', 'Server', 'Detail',
           'Repair')


def _commands(subparsers):
    audit = subparsers.add_parser(
        'audit', help='Nova\'s block device mappings against the '
                      'providers\' attachments, in both directions')
    audit.add_argument('--fix', action='store_true',
                       help='repair what can be repaired')
    audit.add_argument('--grace', type=int, default=None,
                       help='seconds after which a change in progress '
                            'counts as stuck (default: [mixmatch] '
                            'reconcile_grace)')


def _repair_column(finding, fix):
    if finding.outcome:
        return finding.outcome
    if finding.repair is None:
        return 'the provider\'s admin'
    if finding.recent:
        return 'none yet (may be in flight)'
    return 'not asked (--fix)' if not fix else ''


def _left(finding):
    return not finding.outcome or finding.outcome.startswith('failed')


def main(argv=None):
    CONF.register_cli_opt(cfg.SubCommandOpt('command', handler=_commands))
    argv = sys.argv[1:] if argv is None else argv
    try:
        config.parse_args(['mixmatch-manage'] + list(argv), init_rpc=False)
    except cfg.Error as e:
        print('mixmatch-manage: %s' % e, file=sys.stderr)
        return 2
    objects.register_all()
    command = CONF.command
    findings = reconcile.audit(nova_context.get_admin_context(),
                               fix=command.fix, grace=command.grace)
    table = prettytable.PrettyTable(COLUMNS)
    table.align = 'l'
    for f in findings:
        table.add_row([f.kind, f.service_provider, f.volume_id,
                       f.attachment_id or '', f.server_id or '', f.detail,
                       _repair_column(f, command.fix)])
    print(table if findings else 'Nova and the providers agree.')
    return 1 if any(_left(f) for f in findings) else 0


if __name__ == '__main__':
    sys.exit(main())
