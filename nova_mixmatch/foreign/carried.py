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

"""Federated identities that travel with a request context.

nova-api federates the user for the attach request; the conductor and
the compute host that serve the same request used to federate again, one
K2K exchange each. Instead, the identities a request used ride with its
context over the message bus (extension points
``rpc.serialize_context`` and ``rpc.deserialize_context``, patch 0011),
and the processes that receive it adopt them
(:meth:`IdentityCache.federate
<nova_mixmatch.foreign.identities.IdentityCache.federate>`).

What travels is the foreign token and its catalog, scoped to the user's
project at the provider: a bearer token of the same class as the home
token the context carries already, which could be exchanged for it. It
stays out of the logs: Nova's logging values come from
``RequestContext.to_dict()``, which these hooks leave alone, and
oslo.messaging sends notifications with a redacted copy of the context,
which holds no identity. Nova's own federated identity (a service token
with the ``service`` role) never travels.
"""

import typing

from nova import context as nova_context

from nova_mixmatch import conf

__all__ = ['KEY', 'carry', 'find', 'drop', 'serialize', 'deserialize']

CONF = conf.CONF
#: The attribute of a request context, and the key of its serialized
#: form, holding {(service provider, project): identity or primitive}.
KEY = 'mixmatch_identities'

Context = nova_context.RequestContext


def carry(context: Context, service_provider: str,
          identity: typing.Any) -> None:
    """Let ``identity`` travel with ``context`` from now on."""
    identities = getattr(context, KEY, {})
    key = (service_provider, identity.project_id)
    if identities.get(key) is not identity:
        # A copy: an elevated context shares the attribute with its parent.
        setattr(context, KEY, {**identities, key: identity})


def find(context: Context, service_provider: str,
         project_id: str | None) -> typing.Any:
    """What ``context`` carries at ``service_provider``, or None."""
    return getattr(context, KEY, {}).get((service_provider, project_id))


def drop(context: Context, service_provider: str,
         project_id: str | None) -> None:
    """Stop carrying (the provider refused it, or it expires)."""
    identities = dict(getattr(context, KEY, {}))
    if identities.pop((service_provider, project_id), None) is not None:
        setattr(context, KEY, identities)


def serialize(context: Context, values: dict) -> None:
    """Extension ``rpc.serialize_context``: the identities, as primitives."""
    if not CONF.mixmatch.enabled:
        return
    identities = getattr(context, KEY, None)
    if identities:
        values[KEY] = [item if isinstance(item, dict) else
                       item.to_primitive() for item in identities.values()]


def deserialize(values: dict, context: Context) -> None:
    """Extension ``rpc.deserialize_context``: the identities received."""
    if not CONF.mixmatch.enabled:
        return
    primitives = values.get(KEY)
    if primitives:
        setattr(context, KEY, {
            (p['service_provider'], p['project_id']): p
            for p in primitives})
