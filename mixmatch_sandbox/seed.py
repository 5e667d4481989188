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

"""What the sandbox's clouds start with: users, projects and roles, the
catalog, and the flavors, image and volume type that the demo and the
tests use. Each function is idempotent.
"""

from mixmatch_sandbox import credentials
from mixmatch_sandbox.services import cinder

__all__ = ['SERVICE_ROLES', 'FLAVOR', 'RESIZE_FLAVOR', 'FLAVORS', 'IMAGE',
           'FOREIGN_IMAGE', 'FOREIGN_PRIVATE_IMAGE', 'ensure_user',
           'ensure_service_user', 'register_catalog', 'ensure_flavors',
           'ensure_image', 'ensure_volume_type']

#: the roles of each service's user in the service project
SERVICE_ROLES = {'nova': ('service', 'admin'),
                 # service: Cinder's keystonemiddleware accepts service
                 # tokens of holders of this role; admin: it validates
                 # tokens.
                 'cinder': ('service', 'admin'),
                 'neutron': ('service', 'admin'),
                 'glance': ('service',),
                 'placement': ('service',)}
FLAVOR = 'm1.tiny'
RESIZE_FLAVOR = 'm1.small'   # what servers are resized to
FLAVORS = {FLAVOR: {'ram': 128, 'vcpus': 1, 'disk': 1},
           RESIZE_FLAVOR: {'ram': 256, 'vcpus': 1, 'disk': 1}}
IMAGE = 'tiny'
#: at the foreign cloud: an image of the project the home demo project
#: maps to, and one private to another project
FOREIGN_IMAGE = 'far-image'
FOREIGN_PRIVATE_IMAGE = 'far-private'


def ensure_user(ks, sb, cloud: str, user: str, project: str, roles) -> dict:
    """User of cloud with roles on project (made if missing); the user.

    :param ks: the admin client of cloud's Keystone (``Sandbox.keystone``)
    """
    project_id = ks.ensure_named('projects', project,
                                 {'domain_id': 'default'})[0]['id']
    # The password only when the user is made: setting it again revokes
    # its tokens, and a running service answers 503 until its
    # keystonemiddleware fetches a new one.
    found, _ = ks.ensure_named(
        'users', user, {'domain_id': 'default'},
        create={'password': credentials.secret(sb, cloud, user)})
    for role in roles:
        ks.grant(project_id, found['id'],
                 ks.ensure_named('roles', role, {})[0]['id'])
    return found


def ensure_service_user(ks, sb, cloud: str, user: str) -> dict:
    """The user of a service, with its SERVICE_ROLES."""
    return ensure_user(ks, sb, cloud, user, credentials.SERVICE_PROJECT,
                       SERVICE_ROLES[user])


def register_catalog(ks, sb, endpoints, interfaces=('public',)):
    """Register endpoints in the catalog of ks's Keystone.

    :param endpoints: (service type, service name, port name, path)
    """
    for service_type, service_name, port, path in endpoints:
        ks.ensure_endpoint(service_type, service_name, sb.url(port, path),
                           credentials.REGION, interfaces=interfaces)


def ensure_flavors(session, nova: str):
    """FLAVORS, by an admin's session at the Nova API nova."""
    existing = [f['name'] for f in session.get(nova + '/flavors').json()[
        'flavors']]
    for name, size in FLAVORS.items():
        if name not in existing:
            session.post(nova + '/flavors', json={'flavor': dict(name=name,
                                                                 **size)})


def ensure_image(session, images: str, name: str = IMAGE,
                 owner: str | None = None, data: bytes | None = None):
    """An active image, by an admin's session at Glance images.

    Public, unless it has an ``owner`` (a project id): then private to
    that project. Its bytes are ``data``, or a small raw disk of zeros
    (the sandbox's hypervisor reads and checks them).
    """
    found = session.get(images, params={'name': name}).json()['images']
    if [i for i in found if i['status'] == 'active']:
        return
    for image in found:
        session.delete(images + '/' + image['id'])
    fields = {'name': name, 'disk_format': 'raw', 'container_format': 'bare',
              'visibility': 'public'}
    if owner is not None:
        fields.update(visibility='private', owner=owner)
    image = session.post(images, json=fields).json()
    session.put(images + '/%s/file' % image['id'],
                data=b'\0' * 1024 * 1024 if data is None else data,
                headers={'Content-Type': 'application/octet-stream'})


def ensure_volume_type(sb, cloud: str, session):
    """cinder.VOLUME_TYPE of cinder.BACKEND in cloud's Cinder, public.

    :param session: an admin's keystoneauth session
    """
    types = cinder.url(sb, cloud, session.get_project_id()) + '/types'
    found = session.get(types, params={'is_public': 'None'}).json()[
        'volume_types']
    if cinder.VOLUME_TYPE not in [t['name'] for t in found]:
        session.post(types, json={'volume_type': {
            'name': cinder.VOLUME_TYPE,
            'os-volume-type-access:is_public': True,
            'extra_specs': {'volume_backend_name': cinder.BACKEND}}})
