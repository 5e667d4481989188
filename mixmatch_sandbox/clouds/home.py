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

"""The home cloud: Keystone (the K2K identity provider), Placement, Glance,
Neutron (API only), Cinder and Nova (patched, mixmatch enabled), each a
separate process over the cloud's RabbitMQ vhost and MariaDB.

With three clouds it plays NU, a compute provider: its Keystone is then
also a K2K service provider (of MOC's), served as the foreign one is
(uwsgi behind Apache and mod_shib), and still the identity provider of
the foreign cloud, for its own users and for MOC's (chained K2K).

Runs in the sandbox venv (the CLI re-executes itself there).
"""

import concurrent.futures

from mixmatch_sandbox import clouds
from mixmatch_sandbox.clouds import moc
from mixmatch_sandbox import credentials
from mixmatch_sandbox import seed
from mixmatch_sandbox.services import cinder
from mixmatch_sandbox.services import glance
from mixmatch_sandbox.services import horizon
from mixmatch_sandbox.services import keystone
from mixmatch_sandbox.services import neutron
from mixmatch_sandbox.services import nova
from mixmatch_sandbox.services import placement
from mixmatch_sandbox.services import shibboleth

__all__ = ['CLOUD', 'COMPUTE_HOSTS', 'SERVICE_PROVIDERS', 'CATALOG', 'up']

CLOUD = clouds.HOME
# two fake hypervisors, so that servers can migrate
COMPUTE_HOSTS = ('compute1', 'compute2')
#: the K2K service providers whose volumes its Nova attaches
SERVICE_PROVIDERS = (clouds.FOREIGN,)
# the services besides Keystone
SERVICES = (placement, glance, neutron, cinder, nova)
#: type, name, port name, path of the public endpoint
CATALOG = [('placement', 'placement', placement.name(CLOUD), ''),
           ('image', 'glance', glance.name(CLOUD), ''),
           ('network', 'neutron', neutron.name(CLOUD), ''),
           ('compute', 'nova', nova.name(CLOUD) + '-api', '/v2.1')] + [
    # block-storage is the official type; volumev3 for older clients (as
    # devstack registers them)
    (service_type, 'cinderv3', cinder.name(CLOUD), '/v3/%(project_id)s')
    for service_type in ('block-storage', 'volumev3')]


def service_providers(sb):
    """The K2K ids of the clouds whose volumes its Nova attaches.

    With three clouds, the foreign cloud is also ``bu``, as MOC calls it.
    """
    return SERVICE_PROVIDERS + ((moc.BU,) if sb.cloud_count == 3 else ())


def _keystone(sb):
    if sb.cloud_count == 2:
        keystone.identity_provider(sb, CLOUD)
        return
    keystone.service_provider(sb, CLOUD, identity_provider=True)
    # mod_shib reads shibd's config; shibd starts once MOC's Keystone is
    # up (here, or in federation.wire)
    with sb.step('home: shibd'):
        shibboleth.shibd(sb, CLOUD, *clouds.identity_providers(sb, CLOUD))
    with sb.step('home: apache2 + mod_shib'):
        shibboleth.apache(sb, CLOUD)
        sb.wait_http(sb.keystone_url(CLOUD), name=keystone.uwsgi_name(CLOUD))


def up(sb):
    transport = sb.transport_url(CLOUD)
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        # Keystone first; the other services' configs and schemas are
        # independent of it and are made meanwhile.
        keystone_done = pool.submit(_keystone, sb)
        prepared = [
            pool.submit(placement.prepare, sb, CLOUD),
            pool.submit(glance.prepare, sb, CLOUD, transport),
            pool.submit(neutron.prepare, sb, CLOUD, transport),
            pool.submit(cinder.prepare, sb, CLOUD, transport,
                        host=cinder.name(CLOUD)),
            pool.submit(nova.prepare, sb, CLOUD, transport, COMPUTE_HOSTS,
                        service_providers(sb)),
            pool.submit(horizon.prepare, sb, CLOUD)]
        keystone_done.result()
        prepared.append(pool.submit(register, sb))
        for f in prepared:
            f.result()
    with sb.step('home: start placement, glance, neutron, cinder, nova'):
        with concurrent.futures.ThreadPoolExecutor(len(SERVICES)) as pool:
            for f in [pool.submit(service.start, sb, CLOUD)
                      for service in SERVICES]:
                f.result()
        nova.start_conductor_and_scheduler(sb, CLOUD)
    nova.start_computes(sb, CLOUD, COMPUTE_HOSTS)
    with sb.step('home: flavor, image, volume type, neutron warm-up'):
        admin = credentials.admin_session(sb, CLOUD)
        neutron.warm_up(sb, CLOUD, admin)
        seed.ensure_flavors(admin, nova.api_url(sb, CLOUD))
        seed.ensure_image(admin, glance.images_url(sb, CLOUD))
        seed.ensure_volume_type(sb, CLOUD, admin)
        cinder.wait_for_backends(sb, CLOUD, admin)
    with sb.step('home: horizon'):
        horizon.start(sb, CLOUD)


def register(sb):
    """Projects, users, roles and the catalog, idempotently."""
    with sb.step('home: register users, projects and the catalog'):
        ks = sb.keystone(CLOUD)
        for service in SERVICES:
            seed.ensure_service_user(ks, sb, CLOUD, service.USER)
        seed.ensure_user(ks, sb, CLOUD, credentials.DEMO, credentials.DEMO,
                         ['member'])
        # the operator, scoped to the demo project, can move its servers
        # together with their foreign volumes (nova_mixmatch.moves)
        seed.ensure_user(ks, sb, CLOUD, credentials.ADMIN, credentials.DEMO,
                         ['admin'])
        seed.register_catalog(ks, sb, CATALOG,
                              interfaces=('public', 'internal'))
