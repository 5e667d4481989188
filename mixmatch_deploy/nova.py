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

"""The ``[mixmatch]`` section of a nova.conf (:mod:`nova_mixmatch.conf`)."""

import os

from mixmatch_deploy import inifile

__all__ = ['SECTION', 'configure']

SECTION = 'mixmatch'


def configure(config_file: os.PathLike | str, home_auth_url: str,
              service_providers: str = '', auth_section: str | None = None,
              cafile: str | None = None, insecure: bool = False,
              enabled: bool = True) -> dict[str, str]:
    """Write ``[mixmatch]`` into ``config_file``; keep everything else.

    :param home_auth_url: the home Keystone's v3 URL.
    :param service_providers: comma-separated allow-list; empty: all.
    :param auth_section: the nova.conf section of Nova's own identity at
        home (e.g. ``service_user``), federated to the providers for
        service tokens.
    :returns: the values written.
    """
    values = {'enabled': 'true' if enabled else 'false',
              'home_auth_url': home_auth_url}
    if service_providers:
        values['service_providers'] = service_providers
    if auth_section:
        values['auth_section'] = auth_section
    if cafile:
        values['cafile'] = cafile
    if insecure:
        values['insecure'] = 'true'
    inifile.set_options(config_file, SECTION, values)
    return values
