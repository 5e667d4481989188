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

"""The foreign cloud: a storage-only cloud, the K2K service provider.

Keystone runs as operators deploy a SAML service provider: the WSGI app
under uwsgi (several processes of several threads, sharing a memcached),
behind Apache with mod_shib and mod_proxy_uwsgi, and shibd
consuming the assertions of the home Keystone. Cinder (api, scheduler,
volume on the fake driver) and Glance (file store) register in this
Keystone's catalog. There is no Nova here.
"""

from mixmatch_sandbox import clouds
from mixmatch_sandbox import credentials
from mixmatch_sandbox import seed
from mixmatch_sandbox.services import cinder
from mixmatch_sandbox.services import glance
from mixmatch_sandbox.services import keystone
from mixmatch_sandbox.services import shibboleth

__all__ = ['CLOUD', 'IDP_ID', 'SP_ID', 'TOKEN_LIFE', 'HOME_CALLBACK_USER',
           'HOME_CALLBACK_CREDENTIAL', 'SPARE_BACKEND', 'CATALOG', 'up']

CLOUD = clouds.FOREIGN
# The K2K identity provider id of the home cloud at this service provider,
# and this service provider's id at the home cloud.
IDP_ID = clouds.HOME
SP_ID = CLOUD
# Tokens of the foreign Keystone live 150 s, so that the tests see Nova's
# K2K identities expire and be replaced: mixmatch drops one with less than
# two minutes to live (mixmatch_federation.k2k.MIN_TOKEN_LIFE).
TOKEN_LIFE = 150
# The home user and application credential (in the home Keystone) the
# foreign Cinder calls the home Nova back as (federation.wire makes them).
HOME_CALLBACK_USER = 'foreign-cinder'
HOME_CALLBACK_CREDENTIAL = 'foreign-cinder-callbacks'
# A second backend, so that a volume has somewhere to migrate to.
SPARE_BACKEND = 'fake2'
# block-storage is the official type; volumev3 for older clients.
CATALOG = [(service_type, 'cinder', cinder.name(CLOUD), '/v3')
           for service_type in ('block-storage', 'volumev3')] + [
    ('image', 'glance', glance.name(CLOUD), '')]


def up(sb):
    keystone.service_provider(sb, CLOUD, TOKEN_LIFE)
    with sb.step('foreign: shibd'):
        shibboleth.shibd(sb, CLOUD, *clouds.identity_providers(sb, CLOUD))
    with sb.step('foreign: apache2 + mod_shib'):
        shibboleth.apache(sb, CLOUD)
        sb.wait_http(sb.keystone_url(CLOUD),
                     name=keystone.uwsgi_name(CLOUD))
    with sb.step('foreign: cinder and glance service users, catalog'):
        ks = sb.keystone(CLOUD)
        for user in (cinder.USER, glance.USER):
            seed.ensure_service_user(ks, sb, CLOUD, user)
        seed.register_catalog(ks, sb, CATALOG)
    glance.prepare(sb, CLOUD, sb.transport_url(CLOUD))
    cinder.prepare(sb, CLOUD, sb.transport_url(CLOUD), host=CLOUD,
                   backends=(cinder.BACKEND, SPARE_BACKEND),
                   callbacks=cinder.HomeCallbacks(
                       IDP_ID, HOME_CALLBACK_USER, HOME_CALLBACK_CREDENTIAL))
    with sb.step('foreign: cinder api, scheduler, volume; glance api'):
        cinder.start(sb, CLOUD)
        glance.start(sb, CLOUD)
    with sb.step('foreign: volume type, backend ready'):
        admin = credentials.admin_session(sb, CLOUD)
        seed.ensure_volume_type(sb, CLOUD, admin)
        cinder.wait_for_backends(sb, CLOUD, admin)
