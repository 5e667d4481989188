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

"""What Nova itself asks of a provider's Cinder, without a user's token.

Through ``cinder_mixmatch``'s API extension, which lets a home cloud's
Nova (its federated identity, holding the service role there) see and put
right what its own servers held: list its attachments, release one, put
a volume left ``detaching`` back in use, delete a volume that a server
was told to delete on termination. And Cinder's own API, where the
mapping's ``reader`` role is enough: show an attachment or a volume, list
a project's volumes. Each call goes through the foreign-client layer
(:mod:`nova_mixmatch.foreign`); the context must be Nova's own (no user
token: see :func:`nova_mixmatch.foreign.home.acts_as_nova`).
"""

import typing

from cinderclient import exceptions as cinder_exception
from nova import context as nova_context

from mixmatch_federation import route as route_mod
from nova_mixmatch import foreign
from nova_mixmatch import volume

__all__ = ['Provider']

Context = nova_context.RequestContext
#: The microversion of the calls below (attachments need 3.27).
MICROVERSION = '3.27'


class Provider:
    """A provider's Cinder, as the home cloud's Nova, in one project.

    :param context: Nova's own context (no user token).
    :param where: the provider, and the project the calls are scoped to.
    """

    def __init__(self, context: Context, where: route_mod.Route) -> None:
        self.context = context
        self.where = where

    def _call(self, func: typing.Callable[[typing.Any], typing.Any]
              ) -> typing.Any:
        return foreign.clients().call(
            self.context, self.where, volume.BLOCK_STORAGE, func,
            microversion=MICROVERSION)

    def _http(self, method: str, path: str, **kwargs: typing.Any
              ) -> typing.Any:
        return self._call(
            lambda client: getattr(client.client, method)(path, **kwargs)[1])

    def home_attachments(self) -> list[dict]:
        """Every attachment the servers of this home hold at the provider.

        In every project: the extension shows a home's Nova its own.

        :raises: ForeignCallFailed, or cinderclient's errors.
        """
        return self._http('get', '/os-mixmatch-attachments')['attachments']

    def release(self, attachment_id: str) -> bool:
        """Release an attachment of a server of this home.

        :returns: False if the attachment was gone already.
        :raises: ForeignCallFailed, or cinderclient's errors.
        """
        return self._gone_is_false(
            'delete', '/os-mixmatch-attachments/' + attachment_id)

    def roll_detaching(self, volume_id: str) -> bool:
        """Put a volume left ``detaching`` back in use.

        :returns: False if the volume was gone already.
        """
        return self._gone_is_false(
            'post', '/os-mixmatch-volumes/%s/roll_detaching' % volume_id,
            body={})

    def delete_volume(self, volume_id: str) -> bool:
        """Delete an available volume a server of this home held.

        :returns: False if the volume was gone already.
        """
        return self._gone_is_false('delete',
                                   '/os-mixmatch-volumes/' + volume_id)

    def _gone_is_false(self, method, path, **kwargs):
        try:
            self._http(method, path, **kwargs)
        except cinder_exception.NotFound:
            return False
        return True

    def attachment(self, attachment_id: str) -> dict | None:
        """The attachment, or None if the provider has none by that id."""
        return self._show('/attachments/' + attachment_id, 'attachment')

    def volume(self, volume_id: str) -> dict | None:
        """The volume, or None if the provider has none by that id."""
        return self._show('/volumes/' + volume_id, 'volume')

    def _show(self, path, key):
        try:
            return self._http('get', path)[key]
        except cinder_exception.NotFound:
            return None

    def volumes(self, status: str) -> list[dict]:
        """The volumes of the project in ``status``."""
        return self._http('get', '/volumes/detail?status=' + status)[
            'volumes']
