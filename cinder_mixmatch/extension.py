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

"""The Cinder API extension of mixmatch (``osapi_volume_extension``).

* ``GET /v3/{project_id}/os-mixmatch-attachments``: the attachments held
  by servers of other clouds, with the cloud and the server (policy
  ``mixmatch:foreign_attachments:get_all``, an admin or a home cloud's
  Nova by default); ``?home=<id>`` keeps one cloud's. A caller federated
  from a home cloud sees only that cloud's.
* What a home cloud's Nova finishes as itself when its user's token is
  gone (:mod:`cinder_mixmatch.ownership` says who may, policies
  ``mixmatch:foreign_attachments:release`` and
  ``mixmatch:foreign_volumes:*``, the service role by default):
  ``DELETE .../os-mixmatch-attachments/{id}`` releases an attachment of
  one of its servers; ``POST .../os-mixmatch-volumes/{id}/roll_detaching``
  puts a volume left ``detaching`` back in use; ``DELETE
  .../os-mixmatch-volumes/{id}`` deletes an available volume that one of
  its servers held (delete on termination).
* The home cloud a connector names (``mixmatch_home``, which
  ``cinder_mixmatch.compute.API`` trusts) is the one the caller
  authenticated from: on attachment create and update it is set to the
  identity provider of the caller's federated token when that is a
  configured home cloud, and removed otherwise. Nobody can hand an
  attachment to another cloud's Nova, or take it from this one's.
* Migrating an in-use volume, or retyping it with
  ``migration_policy=on-demand``, ends with Nova swapping the volume under
  the server. A server of another cloud would need its Nova to attach the
  new volume through K2K: such requests are refused up front with 409.
"""

from http import HTTPStatus

from cinder.api import extensions
from cinder.api.openstack import wsgi
from cinder import exception
from cinder import objects
from cinder.volume import api as volume_api
from oslo_log import log as logging
import webob
from webob import exc

from cinder_mixmatch import conf
from cinder_mixmatch import host
from cinder_mixmatch import ownership
from cinder_mixmatch import policies
from mixmatch_federation import connector as connector_mod

ALIAS = 'os-mixmatch-attachments'
VOLUMES_ALIAS = 'os-mixmatch-volumes'
LOG = logging.getLogger(__name__)


def _authorize(context, rule):
    policies.authorize(context, rule, {'project_id': context.project_id},
                       exception.PolicyNotAuthorized)


def _time(value):
    return value and value.isoformat()


def _refused(error):
    return exc.status_map[error.code](explanation=str(error))


class ForeignAttachmentsController(wsgi.Controller):

    def __init__(self):
        super().__init__()
        self.volume_api = volume_api.API()

    def index(self, req):
        context = req.environ['cinder.context']
        _authorize(context, policies.LIST_FOREIGN_ATTACHMENTS)
        wanted = req.params.get('home')
        if not context.is_admin:
            # a home cloud's Nova: its own servers' only
            wanted = caller_home(req) or ''
        return {'attachments': [
            {'id': attachment.id,
             'volume_id': attachment.volume_id,
             'project_id': attachment.volume.project_id,
             'home': home,
             'server_id': attachment.instance_uuid,
             'host': attachment.attached_host,
             'attach_status': attachment.attach_status,
             'volume_status': attachment.volume.status,
             'updated_at': _time(attachment.updated_at or
                                 attachment.created_at),
             'volume_updated_at': _time(attachment.volume.updated_at)}
            for attachment, home in host.foreign_attachments(
                context.elevated())
            if wanted in (None, home)]}

    def delete(self, req, id):
        """Release an attachment of a server of the caller's cloud."""
        return _act_as_home_nova(
            req, policies.RELEASE_ATTACHMENT,
            lambda admin: objects.VolumeAttachment.get_by_id(admin, id),
            lambda context, admin, attachment: ownership.check_release(
                caller_home(req), connector_mod.home_of(attachment.connector),
                id),
            self.volume_api.attachment_delete,
            'attachment %s released' % id, HTTPStatus.NO_CONTENT)


class ForeignVolumesController(wsgi.Controller):
    """The volumes a home cloud's Nova puts right after its servers."""

    def __init__(self):
        super().__init__()
        self.volume_api = volume_api.API()

    def _act(self, req, id, rule, check, action, done):
        return _act_as_home_nova(
            req, rule, lambda admin: self.volume_api.get(admin, id),
            check, action, 'volume %s %s' % (id, done), HTTPStatus.ACCEPTED)

    def roll_detaching(self, req, id, body=None):
        return self._act(
            req, id, policies.ROLL_DETACHING,
            lambda context, admin, volume: ownership.check_roll_detaching(
                caller_home(req), id, volume.status,
                host.homes_of_volume(admin, id)),
            self.volume_api.roll_detaching, 'back in use')

    def delete(self, req, id):
        return self._act(
            req, id, policies.DELETE_VOLUME,
            lambda context, admin, volume: ownership.check_delete(
                caller_home(req), context.project_id, id, volume.project_id,
                volume.status, host.homes_of_volume(admin, id, ever=True)),
            self.volume_api.delete,
            'deleted (its server was told to delete it on termination)')


def _act_as_home_nova(req, rule, load, check, action, done, status):
    """Do ``action(admin context, resource)`` if the caller may.

    :param load: ``load(admin context)``, the resource.
    :param check: ``check(context, admin context, resource)``, which raises
        :class:`~cinder_mixmatch.ownership.Refused` (403 or 409).
    :param done: what the log says was done.
    :param status: the answer's status.
    :raises: 403 (policy or ownership), 404, 409.
    """
    context = req.environ['cinder.context']
    _authorize(context, rule)
    admin = _as_home_nova(context)
    try:
        resource = load(admin)
    except (exception.VolumeNotFound,
            exception.VolumeAttachmentNotFound) as e:
        raise exc.HTTPNotFound(explanation=e.msg)
    try:
        check(context, admin, resource)
    except ownership.Refused as e:
        raise _refused(e)
    LOG.info('Cloud %(home)s: %(done)s',
             {'home': caller_home(req), 'done': done})
    action(admin, resource)
    return webob.Response(status_int=status)


def _as_home_nova(context):
    """An admin context that counts as the service request it is.

    The caller is the home cloud's Nova, holding the service role: the
    very caller Cinder's attachment delete protection (OSSA-2023-003)
    trusts with a service token.
    """
    admin = context.elevated()
    admin.service_roles = list(context.roles)
    return admin


class ConnectorOwner(wsgi.Controller):
    """Connectors name the home cloud their caller authenticated from."""

    @wsgi.extends
    def create(self, req, body):
        self._own(req, body)
        yield

    @wsgi.extends
    def update(self, req, id, body):
        self._own(req, body)
        yield

    @staticmethod
    def _own(req, body):
        attachment = body.get('attachment') if isinstance(body, dict) \
            else None
        connector = attachment.get('connector') \
            if isinstance(attachment, dict) else None
        if not isinstance(connector, dict):
            return  # a reservation, or Cinder's validation refuses it
        home = caller_home(req)
        if home is None:
            connector.pop(connector_mod.HOME_KEY, None)
        else:
            connector[connector_mod.HOME_KEY] = home


def caller_home(req):
    """The configured home cloud the caller's token was federated from."""
    token = req.environ.get('keystone.token_info', {}).get('token', {})
    idp = token.get('user', {}).get('OS-FEDERATION', {}).get(
        'identity_provider', {}).get('id')
    return idp if idp in conf.CONF.mixmatch.home_clouds else None


class MigrationGuard(wsgi.Controller):
    """Refuses to migrate volumes that servers of other clouds use."""

    @wsgi.extends(action='os-migrate_volume')
    def _migrate(self, req, id, body):
        self._refuse_if_foreign(req, id)
        yield

    @wsgi.extends(action='os-retype')
    def _retype(self, req, id, body):
        if (body.get('os-retype') or {}).get('migration_policy') == \
                'on-demand':
            self._refuse_if_foreign(req, id)
        yield

    @staticmethod
    def _refuse_if_foreign(req, volume_id):
        context = req.environ['cinder.context']
        home = host.home_of_volume(context, volume_id)
        if home is not None:
            raise exc.HTTPConflict(explanation=(
                'Volume %s is in use by a server of cloud %s: migrating it '
                'would need that cloud\'s Nova to swap volumes across '
                'clouds, which is not supported. Detach it first.'
                % (volume_id, home)))


class Mixmatch(extensions.ExtensionDescriptor):
    """Volumes attached to servers of other clouds (Mix and Match)."""

    name = 'Mixmatch'
    alias = ALIAS
    updated = '2026-11-30T00:00:00+00:00'

    def __init__(self, ext_mgr):
        conf.register_opts(conf.CONF)
        super().__init__(ext_mgr)

    def get_resources(self):
        attachments = extensions.ResourceExtension(
            ALIAS, ForeignAttachmentsController())
        volumes = extensions.ResourceExtension(
            VOLUMES_ALIAS, ForeignVolumesController(),
            member_actions={'roll_detaching': 'POST'})
        return [attachments, volumes]

    def get_controller_extensions(self):
        return [extensions.ControllerExtension(self, 'volumes',
                                               MigrationGuard()),
                extensions.ControllerExtension(self, 'attachments',
                                               ConnectorOwner())]
