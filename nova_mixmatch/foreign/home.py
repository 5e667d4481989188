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

"""Who a request context is at home, for a K2K exchange.

A user's request is that user, with the token it came with. Nova's own
calls (periodic tasks, calls made for another service) are Nova, with the
identity the ``[mixmatch]`` auth options name; the service provider must
map that identity too.
"""

from keystoneauth1 import identity
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import plugin
from nova import context as nova_context

from nova_mixmatch import conf
from nova_mixmatch import exception

__all__ = ['SERVICE_ROLE', 'nova_identity_configured', 'acts_as_nova',
           'home_auth']

CONF = conf.CONF
SERVICE_ROLE = 'service'


def nova_identity_configured() -> bool:
    """Whether the ``[mixmatch]`` auth options name Nova's own identity."""
    # With auth_section set, keystoneauth registers auth_type in that
    # section, not here: ask for auth_section first.
    return bool(CONF.mixmatch.auth_section or CONF.mixmatch.auth_type)


def acts_as_nova(context: nova_context.RequestContext) -> bool:
    """Whether the calls made for ``context`` are Nova's own.

    So are those without a token (periodic tasks), and those made for
    another service, which holds the service role (a provider Cinder's
    events): that caller's identity means nothing at the provider.
    """
    return not context.auth_token or (
        SERVICE_ROLE in (context.roles or ()) and nova_identity_configured())


def home_auth(context: nova_context.RequestContext
              ) -> plugin.BaseAuthPlugin:
    """The home identity behind ``context``.

    The user's token, rescoped to its project so that Keystone returns the
    service providers it may use; for Nova's own calls (see
    :func:`acts_as_nova`), Nova's identity from the ``[mixmatch]`` auth
    options.

    :raises: :class:`~nova_mixmatch.exception.NoHomeIdentity` for Nova's
        own calls when those options are not set.
    """
    if not acts_as_nova(context):
        return identity.v3.Token(auth_url=CONF.mixmatch.home_auth_url,
                                 token=context.auth_token,
                                 project_id=context.project_id)
    auth = ks_loading.load_auth_from_conf_options(CONF, conf.GROUP.name)
    if auth is None:
        raise exception.NoHomeIdentity()
    return auth
