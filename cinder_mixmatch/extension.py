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
  ``mixmatch:foreign_attachments:get_all``, admin by default);
  ``?home=<id>`` keeps one cloud's.
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

from cinder.api import extensions
from cinder.api.openstack import wsgi
from cinder import exception
from webob import exc

from cinder_mixmatch import conf
from cinder_mixmatch import host
from cinder_mixmatch import policies
from mixmatch_federation import connector as connector_mod

ALIAS = 'os-mixmatch-attachments'


class ForeignAttachmentsController(wsgi.Controller):

    def index(self, req):
        context = req.environ['cinder.context']
        policies.authorize(context, policies.LIST_FOREIGN_ATTACHMENTS,
                           {'project_id': context.project_id},
                           exception.PolicyNotAuthorized)
        wanted = req.params.get('home')
        return {'attachments': [
            {'id': attachment.id,
             'volume_id': attachment.volume_id,
             'project_id': attachment.volume.project_id,
             'home': home,
             'server_id': attachment.instance_uuid,
             'host': attachment.attached_host,
             'attach_status': attachment.attach_status}
            for attachment, home in host.foreign_attachments(
                context.elevated())
            if wanted in (None, home)]}


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
        return [extensions.ResourceExtension(
            ALIAS, ForeignAttachmentsController())]

    def get_controller_extensions(self):
        return [extensions.ControllerExtension(self, 'volumes',
                                               MigrationGuard()),
                extensions.ControllerExtension(self, 'attachments',
                                               ConnectorOwner())]
