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

"""Who is who in the sandbox's clouds: secrets, keystoneauth plugins, the
service users' options for config files, and clouds.yaml.

Every secret is generated on first use and named ``<cloud>-<name>``
(``Sandbox.secret``). Users and projects live in the default domain.
"""

import os
import shlex

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session

from mixmatch_sandbox import clouds

__all__ = ['REGION', 'ADMIN', 'DEMO', 'SERVICE_PROJECT', 'CLOUDS_YAML',
           'CLOUDS_YAML_MOC',
           'secret', 'password_auth', 'admin_session', 'service_auth',
           'authtoken', 'clouds_yaml', 'cloud_names', 'openrc']

#: every cloud's one region
REGION = 'RegionOne'
#: every cloud's admin user and project (keystone-manage bootstrap's)
ADMIN = 'admin'
#: the home cloud's demo user and its project
DEMO = 'demo'
#: the project of every cloud's service users
SERVICE_PROJECT = 'service'
#: clouds.yaml: (cloud, user, project), named <cloud>-<user>
CLOUDS_YAML = ((clouds.HOME, ADMIN, ADMIN), (clouds.HOME, DEMO, DEMO),
               (clouds.FOREIGN, ADMIN, ADMIN))
#: and with three clouds
CLOUDS_YAML_MOC = ((clouds.MOC, ADMIN, ADMIN), (clouds.MOC, DEMO, DEMO))


def secret(sb, cloud: str, name: str) -> str:
    """The password of user (or secret of credential) name in cloud."""
    return sb.secret('%s-%s' % (cloud, name))


def password_auth(sb, cloud: str, user: str, project: str,
                  password: str | None = None) -> v3.Password:
    """A password plugin of user in cloud, scoped to project.

    password: by default the sandbox's secret of that user.
    """
    return v3.Password(
        auth_url=sb.keystone_url(cloud), username=user,
        password=password or secret(sb, cloud, user), project_name=project,
        user_domain_id='default', project_domain_id='default')


def admin_session(sb, cloud: str) -> ks_session.Session:
    return ks_session.Session(auth=password_auth(sb, cloud, ADMIN, ADMIN))


def service_auth(sb, cloud: str, user: str) -> dict:
    """keystoneauth options of a service user, for any config section."""
    return {'auth_type': 'password', 'auth_url': sb.keystone_url(cloud),
            'username': user, 'password': secret(sb, cloud, user),
            'project_name': SERVICE_PROJECT, 'user_domain_name': 'Default',
            'project_domain_name': 'Default', 'region_name': REGION}


def authtoken(sb, cloud: str, user: str) -> dict:
    """[keystone_authtoken] of a service of cloud, run as user."""
    return dict(service_auth(sb, cloud, user),
                www_authenticate_uri=sb.keystone_url(cloud),
                # a service token counts only with a service role in it
                service_token_roles_required=True)


def clouds_yaml(sb):
    """Write clouds.yaml (mode 0600) with the CLOUDS_YAML entries.

    mixmatch-configure and the admin clients (``Sandbox.keystone``)
    read it.
    """
    def entry(cloud, user, project):
        return ('  %s-%s:\n    auth:\n      auth_url: %s\n'
                '      username: %s\n      password: %s\n'
                '      project_name: %s\n      user_domain_id: default\n'
                '      project_domain_id: default\n'
                '    region_name: %s\n    identity_api_version: 3\n'
                % (cloud, user, sb.keystone_url(cloud), user,
                   secret(sb, cloud, user), project, REGION))
    text = 'clouds:\n' + ''.join(entry(*e) for e in _entries(sb))
    path = sb.clouds_yaml()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as out:
        out.write(text)
    path.chmod(0o600)   # an older file keeps its mode otherwise
    return path


def _entries(sb) -> tuple:
    """(cloud, user, project) of each cloud of clouds.yaml."""
    return CLOUDS_YAML + (CLOUDS_YAML_MOC if sb.cloud_count == 3 else ())


def cloud_names(sb) -> list[str]:
    """The clouds of clouds.yaml: <cloud>-<user>."""
    return ['%s-%s' % (cloud, user) for cloud, user, _ in _entries(sb)]


def openrc(sb, name: str) -> str:
    """Shell exports of cloud ``name`` of clouds.yaml, openrc-style.

    python-novaclient reads no clouds.yaml: ``nova`` needs the ``OS_*``
    variables. ``OS_CLOUD`` names the same cloud for ``openstack``.

    :raises: KeyError if clouds.yaml has no such cloud.
    """
    cloud, user, project = dict(zip(cloud_names(sb), _entries(sb)))[name]
    variables = {'OS_CLOUD': name,
                 'OS_AUTH_URL': sb.keystone_url(cloud),
                 'OS_IDENTITY_API_VERSION': '3',
                 'OS_USERNAME': user,
                 'OS_PASSWORD': secret(sb, cloud, user),
                 'OS_PROJECT_NAME': project,
                 'OS_USER_DOMAIN_ID': 'default',
                 'OS_PROJECT_DOMAIN_ID': 'default',
                 'OS_REGION_NAME': REGION}
    return ''.join('export %s=%s\n' % (key, shlex.quote(value))
                   for key, value in variables.items())
