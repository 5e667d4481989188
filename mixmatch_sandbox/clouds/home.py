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

Runs in the sandbox venv (the CLI re-executes itself there).
"""

import concurrent.futures

from mixmatch_sandbox import clouds
from mixmatch_sandbox import credentials
from mixmatch_sandbox import seed
from mixmatch_sandbox.services import cinder
from mixmatch_sandbox.services import glance
from mixmatch_sandbox.services import horizon
from mixmatch_sandbox.services import keystone
from mixmatch_sandbox.services import neutron
from mixmatch_sandbox.services import nova
from mixmatch_sandbox.services import placement

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


def up(sb):
    transport = sb.transport_url(CLOUD)
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        # Keystone first; the other services' configs and schemas are
        # independent of it and are made meanwhile.
        keystone_done = pool.submit(keystone.identity_provider, sb, CLOUD)
        prepared = [
            pool.submit(placement.prepare, sb, CLOUD),
            pool.submit(glance.prepare, sb, CLOUD, transport),
            pool.submit(neutron.prepare, sb, CLOUD, transport),
            pool.submit(cinder.prepare, sb, CLOUD, transport,
                        host=cinder.name(CLOUD)),
            pool.submit(nova.prepare, sb, CLOUD, transport, COMPUTE_HOSTS,
                        SERVICE_PROVIDERS),
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
