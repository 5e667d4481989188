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

"""The one translation of foreign failures into Nova's errors.

A call to a foreign service fails through no fault of the request when
the provider cannot be reached, refuses to authenticate Nova's caller or
answers that it is broken. Each becomes a
:class:`~nova_mixmatch.exception.ForeignCallFailed` that names the
provider and the reason: Nova's API answers it with a 400, a compute host
records it as the instance fault. The service's answers about the request
itself (not found, bad request...) pass through, for Nova's own
translation of that service's errors.
"""

import contextlib
import typing

from keystoneauth1 import exceptions as ksa_exception

from mixmatch_federation import exception as federation_exception
from mixmatch_federation import route
from nova_mixmatch import exception
from nova_mixmatch.foreign import service as service_mod

__all__ = ['translated']

#: keystoneauth's errors for a service that could not be reached.
UNREACHABLE = (ksa_exception.ConnectionError,)


@contextlib.contextmanager
def translated(where: route.Route, service: service_mod.Service
               ) -> typing.Iterator[None]:
    """Raise the foreign failures of the block as ForeignCallFailed.

    :raises: :class:`~nova_mixmatch.exception.ForeignCallFailed`.
    """
    def failed(reason):
        return exception.ForeignCallFailed(
            service_provider=where.service_provider, reason=reason)

    try:
        yield
    except federation_exception.MixmatchError as exc:
        raise failed(exc)
    except ksa_exception.EndpointNotFound:
        raise failed('it has no %s service in its catalog' % service.kind)
    except UNREACHABLE + service.unreachable as exc:
        raise failed('its %s service is unreachable (%s)'
                     % (service.kind, exc))
    except Exception as exc:
        if not service.broken(exc):
            raise
        raise failed('its %s service answered %s' % (service.kind, exc))
