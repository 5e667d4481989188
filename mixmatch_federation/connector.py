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

"""The home cloud of a foreign attachment, in its host connector.

A home Nova adds :data:`HOME_KEY` to the connector of every attachment it
makes at a service provider: the home cloud's identity provider id *at
that provider*. The provider's Cinder stores connectors as given, so the
owner survives restarts; ``cinder_mixmatch`` reads it back to call that
cloud's Nova, and sets it from the caller's federated token so that no
user hands an attachment to another cloud.
"""

import typing

__all__ = ['HOME_KEY', 'home_of', 'naming_home']

HOME_KEY = 'mixmatch_home'

Connector = typing.Mapping[str, typing.Any]


def home_of(connector: Connector | None) -> str | None:
    """The home cloud a connector names, or None for the provider's own."""
    return (connector or {}).get(HOME_KEY) or None


def naming_home(connector: Connector, home: str) -> dict[str, typing.Any]:
    """A copy of ``connector`` that names ``home`` as its cloud."""
    return dict(connector, **{HOME_KEY: home})
