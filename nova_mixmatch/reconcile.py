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

"""Nova's block device mappings against the providers' attachments.

Nova's own database is the memory of every foreign cleanup it could not
finish: a mapping is soft-deleted when its volume is detached or its
server deleted, whether or not the provider heard of it, and a deleted
server keeps its mappings and routes (soft-deleted rows) until the
operator archives them. Each provider's Cinder lists the attachments of
this home's servers (``cinder_mixmatch``); the difference between the two,
in both directions, is what is left to do:

``released``
    the provider still holds an attachment whose mapping is gone (a
    server deleted, a detach or an attach rolled back while the provider
    was down, or its message lost): release it, and delete the volume if
    its deleted server was told to.
``unknown``
    an attachment of this home that no mapping ever named (made behind
    Nova's back, or an attach that failed before its mapping did):
    release it.
``unfinished-attach``
    a live mapping whose attachment never got connected (the attach was
    lost on its way to the compute host): release it and drop the
    mapping, as Nova does when an attach fails.
``stuck-detaching``
    a volume left ``detaching`` while its mapping lives (the detach was
    lost): put it back in use, so that the user may detach again.
``missing``
    a live mapping whose attachment the provider no longer has: drop the
    mapping. Only the operator's ``--fix`` does that, never the periodic
    task: a mapping is the server's disk.
``terminated``
    a volume of a deleted server that was to be deleted on termination,
    still at the provider: delete it.
``stuck-volume``
    a volume of a home project left ``deleting``, ``error_deleting``,
    ``attaching`` or ``detaching`` with nothing of Nova's in flight: only
    the provider's admin can put it right; reported.

A finding younger than the grace period (``[mixmatch] reconcile_grace``)
may still be in flight and is reported, not repaired; one about a mapping
that is gone needs no grace. Everything runs as Nova itself: no user's
token is needed, which would have expired by then.
"""

import collections
import dataclasses
import datetime
import typing

from cinderclient import exceptions as cinder_exception
from nova import context as nova_context
from nova import objects
from oslo_log import log as logging
from oslo_service import periodic_task as oslo_periodic
from oslo_utils import timeutils

from mixmatch_federation import route as route_mod
from nova_mixmatch import conf
from nova_mixmatch import db
from nova_mixmatch import exception
from nova_mixmatch import provider as provider_mod

__all__ = ['Finding', 'audit', 'periodic_task']

CONF = conf.CONF
LOG = logging.getLogger(__name__)
Context = nova_context.RequestContext

#: The volume states of the ``stuck-volume`` finding.
STUCK_STATES = ('deleting', 'error_deleting', 'attaching', 'detaching')
#: Volume states of a terminated server's volume that wait for another
#: repair (its attachment's) or for nothing (being deleted).
BUSY = ('in-use', 'reserved', 'attaching', 'detaching', 'deleting')
#: Attachment states of an attach that never got connected.
UNFINISHED = ('reserved', 'attaching')
#: A provider that is down, or refuses: the next pass tries again.
_POSTPONED = (exception.ForeignCallFailed, cinder_exception.ClientException)


@dataclasses.dataclass
class Finding:
    """One difference between Nova and a provider."""

    kind: str
    service_provider: str
    volume_id: str
    attachment_id: str | None = None
    server_id: str | None = None
    detail: str = ''
    #: may still be in flight: reported, not repaired
    recent: bool = False
    #: what the repair did ('' if none was tried)
    outcome: str = ''
    #: the repair, or None when only the provider's admin can help
    repair: typing.Callable[[], str] | None = dataclasses.field(
        default=None, repr=False, compare=False)


def _older(stamp: str | None, grace: float, now: datetime.datetime) -> bool:
    if not stamp:
        return True
    when = timeutils.normalize_time(timeutils.parse_isotime(stamp))
    return (now - when).total_seconds() >= grace


class _Audit:
    """One pass over every provider that Nova's routes name."""

    def __init__(self, context: Context, grace: float, periodic: bool):
        self.context = context
        self.grace = grace
        self.periodic = periodic
        self.now = timeutils.utcnow()
        self.findings: list[Finding] = []

    def run(self) -> list[Finding]:
        by_provider = collections.defaultdict(set)
        for where in db.foreign_routes(self.context):
            by_provider[where.service_provider].add(where)
        live = collections.defaultdict(list)
        for mapping, where in db.live_foreign_mappings(self.context):
            live[where.service_provider].append((mapping, where))
        for sp, routes in sorted(by_provider.items()):
            try:
                self._provider(sp, sorted(routes, key=str), live[sp])
            except _POSTPONED as e:
                LOG.warning('Reconciliation with service provider %(sp)s '
                            'postponed: %(e)s', {'sp': sp, 'e': e})
        self._terminated()
        return self.findings

    def _add(self, **kwargs):
        finding = Finding(**kwargs)
        self.findings.append(finding)
        return finding

    def _provider(self, sp, routes, live):
        """The findings at one provider."""
        any_route = routes[0]
        attachments = provider_mod.Provider(
            self.context, any_route).home_attachments()
        mappings = db.mappings_of_attachments(
            self.context, [a['id'] for a in attachments])
        for attachment in attachments:
            self._attachment(sp, attachment,
                             mappings.get(attachment['id'], []))
        held = {a['id'] for a in attachments}
        for mapping, where in live:
            if mapping.attachment_id not in held:
                self._missing(mapping, where)
        if not self.periodic:
            for where in routes:
                self._stuck_volumes(where)

    def _attachment(self, sp, attachment, mappings):
        where = route_mod.Route(sp, attachment['project_id'])
        provider = provider_mod.Provider(self.context, where)
        old = _older(attachment.get('updated_at'), self.grace, self.now)
        common = dict(service_provider=sp,
                      volume_id=attachment['volume_id'],
                      attachment_id=attachment['id'],
                      server_id=attachment['server_id'])
        live = [m for m in mappings if not m.deleted and not m.server_deleted]

        def release():
            return ('released' if provider.release(attachment['id'])
                    else 'gone already')

        if not mappings:
            self._add(kind='unknown', recent=not old, repair=release,
                      detail='no block device mapping of this cloud names '
                             'it', **common)
        elif not live:
            gone = mappings[0]
            to_delete = gone.server_deleted and gone.delete_on_termination

            def release_and_delete():
                done = release()
                if to_delete:
                    done += ', ' + _delete_volume(provider,
                                                  attachment['volume_id'])
                return done

            self._add(kind='released', repair=release_and_delete,
                      detail='its mapping is gone (server %s)' % (
                          'deleted' if gone.server_deleted else 'live') +
                      ('; to delete on termination' if to_delete else ''),
                      **common)
        elif attachment['attach_status'] in UNFINISHED:
            mapping = live[0]
            unfinished = not mapping.connected and mapping.task_state is None

            def release_and_unmap():
                done = release()
                bdm = objects.BlockDeviceMapping.get_by_volume_and_instance(
                    self.context, mapping.volume_id, mapping.instance_uuid)
                bdm.destroy()
                return done + ', mapping dropped'

            if unfinished:
                self._add(kind='unfinished-attach', recent=not old,
                          repair=release_and_unmap,
                          detail='attachment %s, never connected'
                          % attachment['attach_status'], **common)
        elif attachment['volume_status'] == 'detaching':
            volume_old = _older(attachment.get('volume_updated_at'),
                                self.grace, self.now)

            def roll_back():
                return ('back in use'
                        if provider.roll_detaching(attachment['volume_id'])
                        else 'gone already')

            self._add(kind='stuck-detaching', recent=not volume_old,
                      repair=roll_back, detail='volume detaching, its '
                      'mapping live', **common)

    def _missing(self, mapping, where):
        provider = provider_mod.Provider(self.context, where)
        if provider.attachment(mapping.attachment_id) is not None:
            return    # held, but not marked as this cloud's (older Nova)

        def unmap():
            bdm = objects.BlockDeviceMapping.get_by_volume_and_instance(
                self.context, mapping.volume_id, mapping.instance_uuid)
            bdm.destroy()
            return 'mapping dropped'

        self._add(kind='missing', service_provider=where.service_provider,
                  volume_id=mapping.volume_id,
                  attachment_id=mapping.attachment_id,
                  server_id=mapping.instance_uuid,
                  detail='the provider has no such attachment',
                  repair=None if self.periodic else unmap)

    def _stuck_volumes(self, where):
        provider = provider_mod.Provider(self.context, where)
        reported = {f.volume_id for f in self.findings}
        for status in STUCK_STATES:
            for volume in provider.volumes(status):
                if volume['id'] in reported:
                    continue
                self._add(kind='stuck-volume',
                          service_provider=where.service_provider,
                          volume_id=volume['id'],
                          recent=not _older(volume.get('updated_at'),
                                            self.grace, self.now),
                          detail='%s in project %s; needs the provider\'s '
                                 'admin' % (status, where.project_id))

    def _terminated(self):
        since = self.now - datetime.timedelta(
            seconds=CONF.mixmatch.reconcile_window)
        for mapping, where in db.terminated_volumes(self.context, since):
            if any(f.volume_id == mapping.volume_id for f in self.findings):
                continue
            provider = provider_mod.Provider(self.context, where)
            try:
                found = provider.volume(mapping.volume_id)
            except _POSTPONED as e:
                LOG.warning('Volume %(volume)s of service provider %(sp)s '
                            'to delete on termination: %(e)s',
                            {'volume': mapping.volume_id,
                             'sp': where.service_provider, 'e': e})
                continue
            if found is None or found['status'] in BUSY:
                continue    # gone, or its attachment's finding comes first
            available = found['status'] == 'available'
            self._add(kind='terminated',
                      service_provider=where.service_provider,
                      volume_id=mapping.volume_id,
                      server_id=mapping.instance_uuid,
                      detail='%s; its server was deleted and told to '
                             'delete it' % found['status'],
                      repair=(lambda p=provider, v=mapping.volume_id:
                              _delete_volume(p, v)) if available else None)


def _delete_volume(provider, volume_id):
    return ('volume deleted' if provider.delete_volume(volume_id)
            else 'volume gone already')


def audit(context: Context, fix: bool = False, grace: float | None = None,
          periodic: bool = False) -> list[Finding]:
    """The differences between Nova and every provider; repaired if asked.

    :param context: Nova's own context (no user token).
    :param fix: repair what is repairable and older than ``grace``.
    :param grace: seconds (default ``[mixmatch] reconcile_grace``).
    :param periodic: the periodic task's pass: mappings are never dropped,
        and the providers' volumes are not listed.
    :returns: the findings, each with the outcome of its repair.
    """
    if grace is None:
        grace = CONF.mixmatch.reconcile_grace
    findings = _Audit(context, grace, periodic).run()
    if fix:
        for finding in findings:
            if finding.repair is None or finding.recent:
                continue
            try:
                finding.outcome = finding.repair()
            except Exception as e:
                # the next pass tries again
                finding.outcome = 'failed: %s' % e
            LOG.info('%(kind)s %(volume)s at %(sp)s (attachment '
                     '%(attachment)s, server %(server)s): %(outcome)s',
                     {'kind': finding.kind, 'volume': finding.volume_id,
                      'sp': finding.service_provider,
                      'attachment': finding.attachment_id,
                      'server': finding.server_id,
                      'outcome': finding.outcome})
    return findings


def periodic_task() -> typing.Callable:
    """Extension of nova-conductor (``conductor.periodic_tasks``).

    Called once, when the conductor starts, after its configuration is
    loaded.

    :returns: a periodic task, run every ``[mixmatch] reconcile_interval``
        seconds, that repairs what :func:`audit` finds (never dropping a
        mapping). Does nothing while mixmatch is disabled.
    """
    @oslo_periodic.periodic_task(
        spacing=CONF.mixmatch.reconcile_interval,
        enabled=CONF.mixmatch.reconcile_interval > 0, run_immediately=True)
    def reconcile_foreign_volumes(manager, context):
        if not CONF.mixmatch.enabled:
            return
        audit(nova_context.get_admin_context(), fix=True, periodic=True)
    return reconcile_foreign_volumes
