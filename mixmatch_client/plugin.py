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

"""The python-openstackclient plugin (entry point openstack.cli.extension).

``client_manager.mixmatch`` is the user's :class:`~mixmatch_client.clouds.
Clouds`; the commands are in the ``openstack.mixmatch.v1`` group.
"""

from keystoneauth1 import session as ks_session
from osc_lib import utils

from mixmatch_client import cache
from mixmatch_client import clouds

API_NAME = 'mixmatch'
API_VERSION_OPTION = 'os_mixmatch_api_version'
DEFAULT_API_VERSION = '1'
API_VERSIONS = ('1',)


def make_client(instance):
    """The home cloud and its service providers, as the user sees them."""
    directory = instance.get_configuration().get('mixmatch_k2k_cache')
    session = instance.session
    if instance.auth is not session.auth:
        # osc's --os-service-provider: the command's auth is the K2K one,
        # the session keeps the identity provider's
        session = ks_session.Session(
            auth=instance.auth, verify=session.verify, cert=session.cert,
            timeout=session.timeout, app_name='mixmatch')
    return clouds.Clouds(session, interface=instance.interface,
                         region_name=instance.region_name,
                         cache=cache.K2KCache(directory) if directory
                         else None)


def build_option_parser(parser):
    parser.add_argument(
        '--os-mixmatch-api-version',
        metavar='<mixmatch-api-version>',
        default=utils.env('OS_MIXMATCH_API_VERSION'),
        help='Mixmatch command set version, default=%s '
             '(Env: OS_MIXMATCH_API_VERSION)' % DEFAULT_API_VERSION)
    parser.add_argument(
        '--os-mixmatch-k2k-cache',
        metavar='<directory>',
        default=utils.env('OS_MIXMATCH_K2K_CACHE'),
        help='Keep the unscoped K2K token of each service provider in '
             'this directory (files readable by you only) until it '
             'expires, for the next commands: they skip the exchange. '
             'Off by default (Env: OS_MIXMATCH_K2K_CACHE; clouds.yaml: '
             'mixmatch_k2k_cache)')
    return parser
