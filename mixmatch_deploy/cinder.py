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

"""The options of a provider's cinder.conf that send the callbacks about
a home cloud's servers to that cloud's Nova (:mod:`cinder_mixmatch`)."""

import os

from mixmatch_deploy import exception
from mixmatch_deploy import inifile

__all__ = ['COMPUTE_API', 'EXTENSION', 'SECRET_VARIABLE', 'configure']

COMPUTE_API = 'cinder_mixmatch.compute.API'
#: Cinder's own [DEFAULT] compute_api_class and osapi_volume_extension
#: defaults: an option set replaces its default, so they are written too.
STOCK_COMPUTE_API = 'cinder.compute.nova.API'
STOCK_EXTENSIONS = ['cinder.api.contrib.standard_extensions']
EXTENSION = 'cinder_mixmatch.extension.Mixmatch'
#: Where the command line takes the application credential's secret from.
SECRET_VARIABLE = 'MIXMATCH_APPLICATION_CREDENTIAL_SECRET'


def configure(config_file: os.PathLike | str, home_cloud: str,
              home_auth_url: str, application_credential_secret: str,
              application_credential_id: str | None = None,
              application_credential_name: str | None = None,
              username: str | None = None,
              user_domain_name: str = 'Default',
              region_name: str | None = None,
              cafile: str | None = None) -> str:
    """Add ``home_cloud`` to the home clouds of ``config_file``.

    The operator's settings stay: its API extensions are kept beside
    mixmatch's, and its compute API class serves this cloud's own servers
    (``[mixmatch] local_compute_api_class``). The file holds a secret: it
    is made unreadable to others.

    :param home_cloud: the home cloud's identity provider id in this
        cloud's Keystone.
    :param home_auth_url: the home Keystone's v3 URL.
    :param application_credential_id: the home identity Cinder calls the
        home Nova as; or its name with ``username``.
    :param region_name: of the home Nova in the home catalog.
    :returns: the section written for the home cloud.
    :raises: :class:`~mixmatch_deploy.exception.ConfigureError` for
        incomplete credentials.
    """
    if not application_credential_secret:
        raise exception.ConfigureError(
            'no application credential secret ($%s, or '
            '--application-credential-secret-file)' % SECRET_VARIABLE)
    if application_credential_name and not username:
        raise exception.ConfigureError(
            '--application-credential-name needs --username')
    inifile.make_private(config_file)
    homes = [h for value in inifile.get_option(config_file, 'mixmatch',
                                               'home_clouds')[:1]
             for h in value.split(',') if h]
    if home_cloud not in homes:
        homes.append(home_cloud)
    mixmatch = {'home_clouds': ','.join(homes)}
    # The operator's own compute API still serves this cloud's servers.
    local = inifile.get_option(config_file, 'DEFAULT', 'compute_api_class')
    if local and local[0] not in (COMPUTE_API, STOCK_COMPUTE_API):
        mixmatch['local_compute_api_class'] = local[0]
    extensions = inifile.get_option(
        config_file, 'DEFAULT', 'osapi_volume_extension') or STOCK_EXTENSIONS
    inifile.set_options(config_file, 'DEFAULT', {
        'compute_api_class': COMPUTE_API,
        'osapi_volume_extension': list(dict.fromkeys(
            extensions + [EXTENSION]))})
    inifile.set_options(config_file, 'mixmatch', mixmatch)
    home = {'auth_type': 'v3applicationcredential',
            'auth_url': home_auth_url,
            'application_credential_secret': application_credential_secret}
    if application_credential_id:
        home['application_credential_id'] = application_credential_id
    else:
        home.update(application_credential_name=application_credential_name,
                    username=username, user_domain_name=user_domain_name)
    if region_name:
        home['region_name'] = region_name
    if cafile:
        home['cafile'] = cafile
    section = 'mixmatch_home_' + home_cloud
    inifile.set_options(config_file, section, home)
    return section
