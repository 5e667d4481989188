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

"""The compute API's answers to cross-cloud failures.

Nova's API answers 500 to an exception its controllers do not expect.
Around the code of an extension point, :func:`answered` turns mixmatch's
errors into the HTTP error that fits the request, with the reason: the
policy refusing (403), and the user's cross-cloud mistakes and the
foreign clouds' failures (400, or what the caller names).
"""

import contextlib
import typing

from oslo_policy import policy as oslo_policy
from webob import exc

from mixmatch_federation import exception as federation_exception
from nova_mixmatch import exception

__all__ = ['answered']


@contextlib.contextmanager
def answered(status: type[exc.HTTPError] = exc.HTTPBadRequest,
             template: str = '%(reason)s', **values: str
             ) -> typing.Iterator[None]:
    """Raise mixmatch's errors of the block as HTTP errors.

    :param status: the HTTP error of a cross-cloud failure.
    :param template: its explanation, from ``values`` and the ``reason``.
    :raises: webob.exc.HTTPForbidden for a policy refusal; ``status`` for a
        :class:`~mixmatch_federation.exception.MixmatchError` or a
        :class:`~nova_mixmatch.exception.ForeignCallFailed`.
    """
    try:
        yield
    except oslo_policy.PolicyNotAuthorized as e:
        raise exc.HTTPForbidden(explanation=str(e))
    except federation_exception.MixmatchError as e:
        raise status(explanation=template % dict(values, reason=e))
    except exception.ForeignCallFailed as e:
        raise status(explanation=template % dict(
            values, reason=e.format_message()))
