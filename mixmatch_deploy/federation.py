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

"""The Keystone federation objects of K2K.

At the home Keystone, the identity provider: a *service provider* per
foreign cloud. At each provider's Keystone: a domain for the home cloud's
users, the *identity provider*, its *mapping* (home users and roles to
local ones) and the ``saml2`` *protocol* that ties them together.
"""

import re
import typing

from mixmatch_deploy import keystone as keystone_mod

__all__ = ['PROTOCOL', 'DEFAULT_PROJECT_PREFIX', 'DEFAULT_HOME_ROLES',
           'SERVICE_ROLE', 'SERVICES_GROUP', 'SERVICES_GROUP_ROLES',
           'CHAINED_SCHEMA_VERSION', 'register_service_provider',
           'default_mapping', 'chained_mapping',
           'register_identity_provider']

PROTOCOL = 'saml2'
DEFAULT_PROJECT_PREFIX = 'k2k-'
#: Home roles that make a member of the mapped project at the provider. A
#: home admin is not made an admin of the foreign cloud.
DEFAULT_HOME_ROLES = ('member', 'admin')
SERVICE_ROLE = 'service'
#: The group of the home cloud's services at the provider: on every
#: project of the identity provider's domain, they are services and
#: readers, so that Nova acts in the project of any volume of its users
#: (service tokens, and calls made for another service, such as the
#: provider Cinder's events).
SERVICES_GROUP = 'k2k-services'
SERVICES_GROUP_ROLES = (SERVICE_ROLE, 'reader')
FEDERATION = '/OS-FEDERATION'
#: The mapping schema that lets a rule name the domain of its projects.
CHAINED_SCHEMA_VERSION = '2.0'

Keystone = keystone_mod.Keystone
#: (what, outcome) of each object, for the operator.
Report = list[tuple[str, str]]


def register_service_provider(ks: Keystone, sp_id: str, auth_url: str,
                              sp_url: str, enabled: bool = True,
                              description: str | None = None) -> Report:
    """A service provider at the home Keystone.

    :param auth_url: the provider Keystone's federation auth URL,
        ``<keystone>/v3/OS-FEDERATION/identity_providers/<idp id>/
        protocols/saml2/auth``.
    :param sp_url: its SAML2 ECP endpoint, ``<sp>/Shibboleth.sso/SAML2/ECP``.
    :param description: left as it is when None.
    """
    body = {'auth_url': auth_url, 'sp_url': sp_url, 'enabled': enabled}
    if description is not None:
        body['description'] = description
    outcome = ks.put_or_patch(
        '%s/service_providers/%s' % (FEDERATION, sp_id),
        'service_provider', body)
    return [('service provider %s' % sp_id, outcome)]


def default_mapping(project_prefix: str = DEFAULT_PROJECT_PREFIX,
                    home_roles: typing.Sequence[str] = DEFAULT_HOME_ROLES,
                    services_group: str | None = None) -> list[dict]:
    """The K2K mapping rules.

    A Keystone IdP asserts openstack_user, openstack_roles and
    openstack_project (the project *name*, see keystone/api/_shared/
    saml.py) of the home token. The user becomes an ephemeral user of the
    IdP's domain, member of the project named after its home project,
    which Keystone creates in that domain at first login. Users without
    one of ``home_roles`` match no rule and are refused.

    The home cloud's service users (role ``service``, e.g. Nova) get the
    ``service`` role there instead: Cinder accepts detach-type calls only
    with a service token carrying it (OSSA-2023-003). They also join
    ``services_group`` (the group's id), which holds SERVICES_GROUP_ROLES
    on every project of the domain.
    """
    def rule(roles, local_role, group=None):
        local = {'user': {'name': '{0}', 'type': 'ephemeral'},
                 'projects': [{'name': project_prefix + '{1}',
                               'roles': [{'name': local_role}]}]}
        if group:
            local['group'] = {'id': group}
        return {
            'local': [local],
            'remote': [
                {'type': 'openstack_user'},
                {'type': 'openstack_project'},
                {'type': 'openstack_roles', 'any_one_of': list(roles)},
            ],
        }
    return [rule(home_roles, 'member'),
            rule([SERVICE_ROLE], SERVICE_ROLE, services_group)]


def chained_mapping(own_domain: str, remote_domain: str, local_domain: str,
                    project_prefix: str = DEFAULT_PROJECT_PREFIX,
                    home_roles: typing.Sequence[str] = DEFAULT_HOME_ROLES,
                    services_group: str | None = None) -> list[dict]:
    """The mapping of an identity provider that is a service provider too.

    Chained K2K. Say MOC is the identity provider of NU and of this cloud
    (BU), and NU's Keystone signs assertions for the MOC users it federated
    (to act for them here, e.g. NU's Nova attaching a volume of theirs). NU
    puts those users and their projects in its domain ``remote_domain``
    (its identity provider's domain for MOC), so its assertions say
    ``openstack_user_domain`` and ``openstack_project_domain`` =
    ``remote_domain``, and ``openstack_project`` = the name NU's mapping
    gave the project (``<prefix><MOC project>``). Such a user becomes the
    member of the project of that name in ``local_domain``: the one this
    cloud's own mapping of MOC gives the same MOC project (same prefix),
    made there at the first MOC login or now. Its name here is
    ``<name>@<remote_domain>``: Keystone knows a federated user by its
    identity provider and name, and NU's own ``demo`` must not be MOC's
    ``demo`` here.

    NU's own users and services keep :func:`default_mapping`'s rules,
    except in ``remote_domain``: NU can place no user of its own in a
    project of MOC's here, nor a user of MOC's anywhere else. Every user
    (shadow user) is in ``own_domain``, the identity provider's domain
    here, as with :func:`default_mapping`; the schema (2.0) that lets a
    project name its domain needs the default said.
    """
    def not_chained(rule):
        for local in rule['local']:
            local['domain'] = {'name': own_domain}
        rule['remote'] += [
            {'type': 'openstack_user_domain', 'not_any_of': [remote_domain]},
            {'type': 'openstack_project_domain',
             'not_any_of': [remote_domain]}]
        return rule

    chained = {
        'local': [{'user': {'name': '{0}@' + remote_domain,
                            'type': 'ephemeral'},
                   'domain': {'name': own_domain},
                   'projects': [{'name': '{1}',
                                 'domain': {'name': local_domain},
                                 'roles': [{'name': 'member'}]}]}],
        'remote': [
            {'type': 'openstack_user'},
            {'type': 'openstack_project'},
            {'type': 'openstack_project', 'regex': True,
             'any_one_of': ['^%s' % re.escape(project_prefix)]},
            {'type': 'openstack_user_domain', 'any_one_of': [remote_domain]},
            {'type': 'openstack_project_domain',
             'any_one_of': [remote_domain]},
            {'type': 'openstack_roles', 'any_one_of': list(home_roles)},
        ],
    }
    return [chained] + [not_chained(rule) for rule in default_mapping(
        project_prefix, home_roles, services_group)]


def register_identity_provider(
        ks: Keystone, idp_id: str, remote_id: str,
        domain: str | None = None, rules: list[dict] | None = None,
        project_prefix: str = DEFAULT_PROJECT_PREFIX,
        home_roles: typing.Sequence[str] = DEFAULT_HOME_ROLES,
        projects: typing.Iterable[str] = (),
        authorization_ttl: int | None = None,
        chained: tuple[str, str] | None = None) -> Report:
    """The home cloud at a provider's Keystone.

    :param idp_id: its id there; part of the auth URL that the home
        Keystone registers for the provider.
    :param remote_id: the home Keystone's SAML entity id (``[saml]
        idp_entity_id``).
    :param domain: of the shadow users and mapped projects (default:
        ``idp_id``).
    :param rules: mapping rules; default: :func:`default_mapping`, with the
        services group.
    :param projects: home project names whose mapped projects to create
        now (otherwise Keystone creates them at first login).
    :param authorization_ttl: minutes for which the groups a mapping
        gives a user stay after the login (Keystone's default: none). They
        must stay for this cloud to assert them onwards (chained K2K).
    :param chained: (remote domain, local domain): the identity provider
        is a service provider of another one, whose users it federated
        into its ``remote domain``, and whose mapped projects are in this
        cloud's ``local domain`` (:func:`chained_mapping`; the services
        group gets its roles on the projects of that domain too).
    """
    report = []
    domain_name = domain or idp_id
    domain_ref, outcome = ks.ensure_named('domains', domain_name, {})
    report.append(('domain %s' % domain_name, outcome))

    # The IdP is matched by the entity id mod_shib puts in
    # Shib-Identity-Provider ([federation] remote_id_attribute).
    idp_path = '%s/identity_providers/%s' % (FEDERATION, idp_id)
    idp = {'remote_ids': [remote_id], 'domain_id': domain_ref['id'],
           'enabled': True}
    if authorization_ttl is not None:
        idp['authorization_ttl'] = authorization_ttl
    report.append(('identity provider %s' % idp_id, ks.put_or_patch(
        idp_path, 'identity_provider', idp, immutable=('domain_id',))))

    if rules is None:
        group, outcome = ks.ensure_named('groups', SERVICES_GROUP,
                                         {'domain_id': domain_ref['id']})
        report.append(('group %s' % SERVICES_GROUP, outcome))
        domains = [domain_ref]
        if chained:
            domains.append(ks.ensure_named('domains', chained[1], {})[0])
        for role in SERVICES_GROUP_ROLES:
            for d in domains:
                ks.grant_inherited(d['id'], group['id'], ks.role_id(role))
        if chained:
            rules = chained_mapping(domain_name, chained[0], chained[1],
                                    project_prefix, home_roles, group['id'])
        else:
            rules = default_mapping(project_prefix, home_roles, group['id'])
    mapping = {'rules': rules}
    if chained:
        mapping['schema_version'] = CHAINED_SCHEMA_VERSION
    mapping_id = '%s_%s' % (idp_id, PROTOCOL)
    report.append(('mapping %s' % mapping_id, ks.put_or_patch(
        '%s/mappings/%s' % (FEDERATION, mapping_id), 'mapping', mapping,
        with_changes=('schema_version',))))

    report.append(('protocol %s of %s' % (PROTOCOL, idp_id),
                   ks.put_or_patch('%s/protocols/%s' % (idp_path, PROTOCOL),
                                   'protocol', {'mapping_id': mapping_id})))

    for home_project in projects:
        name = project_prefix + home_project
        _, outcome = ks.ensure_named('projects', name,
                                     {'domain_id': domain_ref['id']})
        report.append(('project %s' % name, outcome))
    return report
