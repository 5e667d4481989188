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

"""The ``[mixmatch]`` options of nova.conf, declared in one place."""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

GROUP = cfg.OptGroup(
    'mixmatch',
    title='Mix and Match federation',
    help='Attach volumes of clouds that are Keystone-to-Keystone service '
         'providers of the home Keystone.\n\n'
         'The keystoneauth session options (cafile, insecure, timeout...) '
         'apply to every call to the home Keystone for K2K and to the '
         'federated clouds. The keystoneauth auth options name the identity '
         'Nova uses at home for calls made without a user token (periodic '
         'tasks); leave them unset to refuse such calls.')

OPTS = [
    cfg.BoolOpt('enabled', default=False,
                help='Accept the service_provider fields of volume attach '
                     'and server create requests and route the Cinder and '
                     'Glance calls of foreign volumes and images to their '
                     'cloud. When false, Nova behaves as if '
                     'mixmatch were not installed.'),
    cfg.URIOpt('home_auth_url', schemes=['http', 'https'],
               help='Keystone v3 URL of the home cloud, the K2K identity '
                    'provider, e.g. https://keystone.example.org/v3. '
                    'Required when enabled.'),
    cfg.ListOpt('service_providers', default=[],
                help='Service provider ids users may attach volumes, or '
                     'boot images and volumes, from. '
                     'Empty means every enabled service provider of the '
                     'home Keystone.'),
    cfg.StrOpt('cinder_service_type', default='block-storage',
               help='Service type of Cinder in the service providers\' '
                    'catalogs. Aliases such as volumev3 match too.'),
    cfg.StrOpt('cinder_interface', default='public',
               choices=['public', 'internal', 'admin'],
               help='Catalog interface of the service providers\' Cinder.'),
    cfg.StrOpt('cinder_region_name',
               help='Catalog region of the service providers\' Cinder.'),
    cfg.StrOpt('glance_service_type', default='image',
               help='Service type of Glance in the service providers\' '
                    'catalogs.'),
    cfg.StrOpt('glance_interface', default='public',
               choices=['public', 'internal', 'admin'],
               help='Catalog interface of the service providers\' Glance.'),
    cfg.StrOpt('glance_region_name',
               help='Catalog region of the service providers\' Glance.'),
    cfg.IntOpt('client_cache_size', default=256, min=1,
               help='How many federated identities (user, service provider, '
                    'remote project) keep their K2K token cached per '
                    'process.'),
    cfg.IntOpt('route_cache_size', default=4096, min=1,
               help='How many volume, attachment and image ids keep their '
                    'cloud '
                    'cached per process.'),
    cfg.IntOpt('reconcile_interval', default=300, min=0,
               help='Seconds between two passes of nova-conductor\'s '
                    'periodic task that finishes the foreign cleanups Nova '
                    'could not (a server deleted, a volume detached or an '
                    'attach rolled back while the provider was down) and '
                    'puts right volumes left detaching. 0 disables it; '
                    'mixmatch-manage audit still works.'),
    cfg.IntOpt('reconcile_grace', default=600, min=0,
               help='Seconds after its last change before an attachment or '
                    'a volume that Nova may still be working on counts as '
                    'stuck and is repaired. Cleanups of mappings that are '
                    'gone need no grace.'),
    cfg.IntOpt('reconcile_window', default=7 * 24 * 3600, min=0,
               help='Seconds after a server\'s deletion during which the '
                    'periodic task still deletes the foreign volumes it '
                    'was told to delete on termination. Attachments are '
                    'released for as long as the provider holds them.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)
    ks_loading.register_session_conf_options(conf, GROUP.name)
    ks_loading.register_auth_conf_options(conf, GROUP.name)


def list_opts():
    """Options for oslo-config-generator (namespace nova_mixmatch)."""
    return [(GROUP, OPTS +
             ks_loading.get_session_conf_options() +
             ks_loading.get_auth_common_conf_options() +
             ks_loading.get_auth_plugin_conf_options('password'))]


CONF = cfg.CONF
register_opts(CONF)
