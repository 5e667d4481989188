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

"""The options of cinder_mixmatch in cinder.conf, declared in one place.

``[mixmatch] home_clouds`` lists the clouds whose Nova may attach this
cloud's volumes, by their identity provider id in this cloud's Keystone.
Each has a section ``[mixmatch_home_<id>]`` with the keystoneauth options
of an identity in *that* cloud's Keystone (an application credential is
the natural choice) and where its Nova is in that Keystone's catalog.
"""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

GROUP = cfg.OptGroup(
    'mixmatch',
    title='Mix and Match federation, Cinder side',
    help='Send the calls Cinder makes to Nova about servers of other '
         'clouds (whose Nova attached a volume here through K2K) to those '
         'clouds. Takes effect with [DEFAULT] compute_api_class = '
         'cinder_mixmatch.compute.API.')

OPTS = [
    cfg.ListOpt('home_clouds', default=[],
                help='Identity provider ids, as registered in this '
                     'cloud\'s Keystone, of the clouds whose Nova attaches '
                     'volumes here. Each needs a [mixmatch_home_<id>] '
                     'section. Calls about the servers of a cloud not '
                     'listed are refused.'),
    cfg.StrOpt('local_compute_api_class',
               default='cinder.compute.nova.API',
               help='Compute API class for the servers of this cloud.'),
]

HOME_GROUP_PREFIX = 'mixmatch_home_'

HOME_OPTS = [
    cfg.StrOpt('region_name',
               help='Region of the home cloud\'s Nova in its catalog.'),
    cfg.StrOpt('interface', default='public',
               choices=['public', 'internal', 'admin'],
               help='Catalog interface of the home cloud\'s Nova.'),
]


def home_group(home_id):
    """The cinder.conf section of the home cloud ``home_id``."""
    return HOME_GROUP_PREFIX + home_id


def register_opts(conf):
    """Register ``[mixmatch]``; the plugins do as Cinder loads them.

    Not at import: a process that has Nova's ``[mixmatch]`` too (tests,
    oslo-config-generator) keeps the two apart.
    """
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def register_home_opts(conf, home_id):
    """Register the ``[mixmatch_home_<home_id>]`` options."""
    group = home_group(home_id)
    conf.register_opts(HOME_OPTS, group=group)
    ks_loading.register_session_conf_options(conf, group)
    ks_loading.register_auth_conf_options(conf, group)
    return conf[group]


def list_opts():
    """Options for oslo-config-generator (namespace cinder_mixmatch)."""
    return [
        (GROUP, OPTS),
        (home_group('<id>'),
         HOME_OPTS + ks_loading.get_session_conf_options() +
         ks_loading.get_auth_common_conf_options() +
         ks_loading.get_auth_plugin_conf_options('v3applicationcredential')),
    ]


CONF = cfg.CONF
