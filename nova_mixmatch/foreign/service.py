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

"""What the foreign-client layer needs to know of one kind of service.

Each user of the layer (Cinder in :mod:`nova_mixmatch.volume`) describes
its service once: where it is in a provider's catalog, how to build its
client library's client, and which of that library's errors mean a
refused token, an unreachable service or a broken one. The layer does
the rest the same way for every service.
"""

import dataclasses
import typing

from keystoneauth1 import discover
from keystoneauth1 import session as ks_session
from nova import context as nova_context

__all__ = ['EndpointFilter', 'Service']


@dataclasses.dataclass(frozen=True)
class EndpointFilter:
    """Where a service is in a provider's catalog, and which versions.

    Hashable: it is part of the key under which an endpoint is cached.
    """

    service_type: str
    interface: str = 'public'
    region_name: str | None = None
    min_version: str | None = None
    max_version: str | None = None


class Service:
    """A service of the providers, reached through the foreign layer.

    Subclasses set the class attributes and implement :meth:`endpoint` and
    :meth:`client`.
    """

    #: What users call it, in messages: "its <kind> service is unreachable".
    kind: typing.ClassVar[str] = 'foreign'
    #: The client library's errors for a token the service refused (401).
    auth_failures: typing.ClassVar[tuple[type[Exception], ...]] = ()
    #: The client library's errors for a service it could not reach.
    unreachable: typing.ClassVar[tuple[type[Exception], ...]] = ()

    def endpoint(self) -> EndpointFilter:
        """Where to find the service in a provider's catalog."""
        raise NotImplementedError

    def client(self, session: ks_session.Session,
               endpoint: discover.EndpointData,
               context: nova_context.RequestContext,
               **kwargs: typing.Any) -> typing.Any:
        """The client library's client for ``endpoint``, over ``session``.

        :param kwargs: what the caller of
            :meth:`~nova_mixmatch.foreign.calls.ForeignClients.call` passed
            for the client (a microversion, say).
        :raises: a Nova error when the endpoint cannot serve the request
            (e.g. a microversion it does not support).
        """
        raise NotImplementedError

    def broken(self, error: Exception) -> bool:
        """Whether ``error`` says the service is broken, not the request.

        Such answers (a 5xx) fail the call like an unreachable service.
        """
        return False
