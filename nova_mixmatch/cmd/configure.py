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

"""mixmatch-configure: the K2K objects and config sections mixmatch needs.

One code path for the sandbox and the devstack plugin. Every subcommand is
idempotent: an object that exists is updated where it differs, or left.

``register-service-provider`` (at the home Keystone, the IdP)
    the K2K service provider a foreign cloud is known by at home.
``register-identity-provider`` (at the foreign Keystone, the SP)
    a domain for the IdP's users, the identity provider, the K2K mapping
    and the saml2 protocol.
``nova``
    the ``[mixmatch]`` section of a nova.conf.
``cinder``
    at a provider, the cinder.conf options that send the callbacks about a
    home cloud's servers to its Nova (``cinder_mixmatch``).

Credentials: clouds.yaml (``--os-cloud``) or the usual ``--os-*`` options
and ``OS_*`` variables.
"""

import argparse
import json
import os
import pathlib
import re
import sys
import urllib.parse

from keystoneauth1 import adapter

PROTOCOL = 'saml2'
DEFAULT_PROJECT_PREFIX = 'k2k-'
# Home roles that make a member of the mapped project at the SP. A home
# admin is not made an admin of the foreign cloud.
DEFAULT_HOME_ROLES = ('member', 'admin')
SERVICE_ROLE = 'service'
# The group of the home cloud's services at the provider: on every project
# of the identity provider's domain, they are services and readers, so
# that Nova acts in the project of any volume of its users (service
# tokens, and calls made for another service, such as the provider
# Cinder's events).
SERVICES_GROUP = 'k2k-services'
SERVICES_GROUP_ROLES = (SERVICE_ROLE, 'reader')
FEDERATION = '/OS-FEDERATION'
CINDER_COMPUTE_API = 'cinder_mixmatch.compute.API'
CINDER_EXTENSIONS = ['cinder.api.contrib.standard_extensions',
                     'cinder_mixmatch.extension.Mixmatch']
CINDER_SECRET_VARIABLE = 'MIXMATCH_APPLICATION_CREDENTIAL_SECRET'


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser(argv)
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except ConfigureError as e:
        print('mixmatch-configure: error: %s' % e, file=sys.stderr)
        return 1
    return 0


class ConfigureError(Exception):
    pass


def _parser(argv):
    parser = argparse.ArgumentParser(
        prog='mixmatch-configure', description=__doc__.split('\n')[0])
    _register_cloud_arguments(parser, argv)
    sub = parser.add_subparsers(dest='command', required=True)

    sp = sub.add_parser(
        'register-service-provider',
        help='register a K2K service provider at the home Keystone')
    sp.add_argument('id', help='service provider id, as users name it')
    sp.add_argument('--auth-url', required=True,
                    help='the SP Keystone federation auth URL: '
                         '<sp keystone>/v3/OS-FEDERATION/identity_providers/'
                         '<idp id>/protocols/saml2/auth')
    sp.add_argument('--sp-url', required=True,
                    help='the SP SAML2 ECP endpoint, e.g. '
                         '<sp>/Shibboleth.sso/SAML2/ECP')
    sp.add_argument('--description',
                    help='(left as it is when not given)')
    sp.add_argument('--disable', action='store_true',
                    help='register it disabled')
    sp.set_defaults(func=register_service_provider)

    idp = sub.add_parser(
        'register-identity-provider',
        help='register the home Keystone at a service provider Keystone')
    idp.add_argument('id', help='identity provider id at the SP; part of '
                                'the auth URL registered at the IdP')
    idp.add_argument('--remote-id', required=True,
                     help='the IdP entity id ([saml] idp_entity_id of the '
                          'home Keystone)')
    idp.add_argument('--domain',
                     help='domain of the shadow users and of the mapped '
                          'projects (default: the identity provider id)')
    idp.add_argument('--mapping-file', type=pathlib.Path,
                     help='mapping rules (JSON); default: home users with '
                          'a role in --home-role get the member role on '
                          'the project named <--project-prefix><home '
                          'project name>')
    idp.add_argument('--project-prefix', default=DEFAULT_PROJECT_PREFIX)
    idp.add_argument('--home-role', action='append',
                     help='repeatable; default: %s'
                          % ', '.join(DEFAULT_HOME_ROLES))
    idp.add_argument('--project', action='append', default=[],
                     help='home project name whose mapped project to create '
                          'now (otherwise Keystone creates it at first '
                          'login); repeatable')
    idp.set_defaults(func=register_identity_provider)

    nova = sub.add_parser('nova', help='write [mixmatch] in a nova.conf')
    nova.add_argument('--config-file', required=True, type=pathlib.Path)
    nova.add_argument('--home-auth-url', required=True,
                      help='Keystone v3 URL of the home cloud')
    nova.add_argument('--service-providers', default='',
                      help='comma-separated allow-list (default: all)')
    nova.add_argument('--auth-section',
                      help='nova.conf section with the credentials of '
                           'Nova\'s own identity at home (e.g. service_user),'
                           ' federated to the providers for service tokens')
    nova.add_argument('--cafile')
    nova.add_argument('--insecure', action='store_true')
    nova.add_argument('--disable', action='store_true',
                      help='write enabled = false')
    nova.set_defaults(func=configure_nova)

    cinder = sub.add_parser(
        'cinder', help='write the cinder_mixmatch options in a cinder.conf '
                       'of a provider, for one home cloud')
    cinder.add_argument('--config-file', required=True, type=pathlib.Path)
    cinder.add_argument('--home-cloud', required=True,
                        help='the home cloud\'s identity provider id in '
                             'this cloud\'s Keystone')
    cinder.add_argument('--home-auth-url', required=True,
                        help='Keystone v3 URL of the home cloud')
    cred = cinder.add_mutually_exclusive_group(required=True)
    cred.add_argument('--application-credential-id')
    cred.add_argument('--application-credential-name',
                      help='with --username and --user-domain-name')
    cinder.add_argument('--username')
    cinder.add_argument('--user-domain-name', default='Default')
    cinder.add_argument(
        '--application-credential-secret',
        default=os.environ.get(CINDER_SECRET_VARIABLE),
        help='default: $%s' % CINDER_SECRET_VARIABLE)
    cinder.add_argument('--region-name',
                        help='region of the home Nova in its catalog')
    cinder.add_argument('--cafile')
    cinder.set_defaults(func=configure_cinder)
    return parser


# Credentials

def _register_cloud_arguments(parser, argv):
    try:
        import openstack.config
    except ImportError:  # only the Keystone subcommands need it
        return
    openstack.config.OpenStackConfig().register_argparse_arguments(
        parser, argv)


def identity_client(args=None, cloud=None, config_files=None):
    """A keystoneauth Adapter on the Keystone v3 API of a cloud.

    The cloud of the parsed ``--os-*`` arguments, or the clouds.yaml entry
    named ``cloud`` (config_files: clouds.yaml paths instead of the usual
    ones).
    """
    import openstack.config
    region = openstack.config.OpenStackConfig(
        config_files=config_files).get_one(cloud=cloud, argparse=args)
    return adapter.Adapter(
        region.get_session(), service_type='identity', version='3',
        interface=region.get_interface('identity'),
        region_name=region.get_region_name('identity'))


class Keystone:
    """The Keystone v3 calls of this command, each idempotent."""

    def __init__(self, client):
        self.client = client

    def _get(self, path):
        resp = self.client.get(path, raise_exc=False)
        if resp.status_code == 404:
            return None
        _check(resp)
        return resp.json()

    def put_or_patch(self, path, key, body, immutable=()):
        """Create path with body (PUT) or patch the fields that differ.

        Returns 'created', 'updated' or 'unchanged'.
        """
        found = self._get(path)
        if found is None:
            _check(self.client.put(path, json={key: body}, raise_exc=False))
            return 'created'
        found = found[key]
        changes = {k: v for k, v in body.items()
                   if k not in immutable and found.get(k) != v}
        for k in immutable:
            if k in body and found.get(k) != body[k]:
                raise ConfigureError(
                    '%s exists with %s=%s (wanted %s); it cannot change: '
                    'delete it first' % (path, k, found.get(k), body[k]))
        if not changes:
            return 'unchanged'
        _check(self.client.patch(path, json={key: changes}, raise_exc=False))
        return 'updated'

    def ensure_named(self, collection, name, attrs, create=None):
        """The object of collection with name and attrs; made if missing.

        create: attributes set only when it is made (e.g. a password: a
        new one would revoke the user's tokens). Returns (object,
        'created' or 'unchanged').
        """
        query = dict(attrs, name=name)
        found = self._get('/%s?%s' % (collection, urllib.parse.urlencode(
            sorted(query.items()))))[collection]
        if found:
            return found[0], 'unchanged'
        resp = self.client.post('/' + collection, raise_exc=False,
                                json={collection[:-1]: dict(create or {},
                                                            **query)})
        _check(resp)
        return resp.json()[collection[:-1]], 'created'

    def grant(self, project_id, user_id, role_id):
        """Give a user a role on a project (PUT: idempotent)."""
        _check(self.client.put('/projects/%s/users/%s/roles/%s' % (
            project_id, user_id, role_id), raise_exc=False))

    def grant_inherited(self, domain_id, group_id, role_id):
        """Give a group a role on every project of a domain (PUT)."""
        _check(self.client.put(
            '/OS-INHERIT/domains/%s/groups/%s/roles/%s/inherited_to_projects'
            % (domain_id, group_id, role_id), raise_exc=False))

    def ensure_endpoint(self, service_type, name, url, region,
                        interfaces=('public',)):
        """The service of service_type, with url at each interface.

        Returns 'created', 'updated' or 'unchanged'.
        """
        service, outcome = self.ensure_named('services', name,
                                             {'type': service_type})
        for interface in interfaces:
            query = urllib.parse.urlencode({'service_id': service['id'],
                                            'interface': interface,
                                            'region_id': region})
            found = self._get('/endpoints?' + query)['endpoints']
            if not found:
                _check(self.client.post('/endpoints', raise_exc=False, json={
                    'endpoint': {'service_id': service['id'], 'url': url,
                                 'interface': interface,
                                 'region_id': region}}))
                outcome = 'created'
            elif found[0]['url'] != url:
                _check(self.client.patch(
                    '/endpoints/%s' % found[0]['id'], raise_exc=False,
                    json={'endpoint': {'url': url}}))
                outcome = 'updated' if outcome == 'unchanged' else outcome
        return outcome


def _check(resp):
    if resp.status_code >= 400:
        raise ConfigureError('%s %s: %d %s' % (
            resp.request.method, resp.url, resp.status_code,
            resp.text[:500]))


def _report(what, outcome):
    print('%s: %s' % (what, outcome))


# Subcommands

def register_service_provider(args):
    ks = Keystone(identity_client(args))
    body = {'auth_url': args.auth_url, 'sp_url': args.sp_url,
            'enabled': not args.disable}
    if args.description is not None:
        body['description'] = args.description
    outcome = ks.put_or_patch(
        '%s/service_providers/%s' % (FEDERATION, args.id),
        'service_provider', body)
    _report('service provider %s' % args.id, outcome)


def default_mapping(project_prefix=DEFAULT_PROJECT_PREFIX,
                    home_roles=DEFAULT_HOME_ROLES, services_group=None):
    """The K2K mapping rules.

    A Keystone IdP asserts openstack_user, openstack_roles and
    openstack_project (the project *name*, see keystone/api/_shared/
    saml.py) of the home token. The user becomes an ephemeral user of the
    IdP's domain, member of the project named after its home project,
    which Keystone creates in that domain at first login. Users without
    one of home_roles match no rule and are refused.

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


def register_identity_provider(args):
    ks = Keystone(identity_client(args))
    domain_name = args.domain or args.id
    domain, outcome = ks.ensure_named('domains', domain_name, {})
    _report('domain %s' % domain_name, outcome)

    # The IdP is matched by the entity id mod_shib puts in
    # Shib-Identity-Provider ([federation] remote_id_attribute).
    idp_path = '%s/identity_providers/%s' % (FEDERATION, args.id)
    _report('identity provider %s' % args.id, ks.put_or_patch(
        idp_path, 'identity_provider',
        {'remote_ids': [args.remote_id], 'domain_id': domain['id'],
         'enabled': True},
        immutable=('domain_id',)))

    if args.mapping_file:
        rules = json.loads(args.mapping_file.read_text())
        rules = rules.get('rules', rules) if isinstance(rules, dict) \
            else rules
    else:
        group, outcome = ks.ensure_named('groups', SERVICES_GROUP,
                                         {'domain_id': domain['id']})
        _report('group %s' % SERVICES_GROUP, outcome)
        for role in SERVICES_GROUP_ROLES:
            ks.grant_inherited(domain['id'], group['id'], ks.ensure_named(
                'roles', role, {})[0]['id'])
        rules = default_mapping(args.project_prefix,
                                args.home_role or DEFAULT_HOME_ROLES,
                                group['id'])
    mapping_id = '%s_%s' % (args.id, PROTOCOL)
    _report('mapping %s' % mapping_id, ks.put_or_patch(
        '%s/mappings/%s' % (FEDERATION, mapping_id), 'mapping',
        {'rules': rules}))

    _report('protocol %s of %s' % (PROTOCOL, args.id), ks.put_or_patch(
        '%s/protocols/%s' % (idp_path, PROTOCOL), 'protocol',
        {'mapping_id': mapping_id}))

    for home_project in args.project:
        name = args.project_prefix + home_project
        _, outcome = ks.ensure_named('projects', name,
                                     {'domain_id': domain['id']})
        _report('project %s' % name, outcome)


def configure_nova(args):
    values = {'enabled': 'false' if args.disable else 'true',
              'home_auth_url': args.home_auth_url}
    if args.service_providers:
        values['service_providers'] = args.service_providers
    if args.auth_section:
        values['auth_section'] = args.auth_section
    if args.cafile:
        values['cafile'] = args.cafile
    if args.insecure:
        values['insecure'] = 'true'
    set_options(args.config_file, 'mixmatch', values)
    _report('%s [mixmatch]' % args.config_file,
            ', '.join('%s = %s' % kv for kv in values.items()))


def configure_cinder(args):
    if not args.application_credential_secret:
        raise ConfigureError('no application credential secret (--application'
                             '-credential-secret or $%s)'
                             % CINDER_SECRET_VARIABLE)
    if args.application_credential_name and not args.username:
        raise ConfigureError('--application-credential-name needs '
                             '--username')
    home_clouds = _read_option(args.config_file, 'mixmatch', 'home_clouds')
    homes = [h for h in (home_clouds or '').split(',') if h]
    if args.home_cloud not in homes:
        homes.append(args.home_cloud)
    set_options(args.config_file, 'DEFAULT', {
        'compute_api_class': CINDER_COMPUTE_API,
        'osapi_volume_extension': CINDER_EXTENSIONS})
    set_options(args.config_file, 'mixmatch',
                {'home_clouds': ','.join(homes)})
    home = {'auth_type': 'v3applicationcredential',
            'auth_url': args.home_auth_url,
            'application_credential_secret':
                args.application_credential_secret}
    if args.application_credential_id:
        home['application_credential_id'] = args.application_credential_id
    else:
        home.update(application_credential_name=(
            args.application_credential_name), username=args.username,
            user_domain_name=args.user_domain_name)
    for key in ('region_name', 'cafile'):
        if getattr(args, key):
            home[key] = getattr(args, key)
    section = 'mixmatch_home_' + args.home_cloud
    set_options(args.config_file, section, home)
    _report('%s [%s]' % (args.config_file, section), 'home cloud %s, '
            'compute_api_class = %s' % (args.home_cloud, CINDER_COMPUTE_API))


def _read_option(path, section, key):
    """The value of key in section of an ini file, or None."""
    path = pathlib.Path(path)
    current = None
    for line in (path.read_text().splitlines() if path.exists() else []):
        m = _SECTION.match(line)
        if m:
            current = m.group(1).strip()
            continue
        opt = _OPTION.match(line)
        if current == section and opt and opt.group(1) == key:
            return line.split('=', 1)[1].strip()
    return None


# An ini editor that keeps everything it does not set (comments, order,
# other sections), like devstack's iniset.

_SECTION = re.compile(r'^\s*\[([^\]]+)\]\s*$')
_OPTION = re.compile(r'^\s*([^#;=\s][^=]*?)\s*=')


def set_options(path, section, values):
    """Set values in section; a list value is a multi-valued option."""
    path = pathlib.Path(path)
    lines = path.read_text().splitlines() if path.exists() else []
    todo = dict(values)
    out = []
    current = None
    end_of_section = None
    for line in lines:
        m = _SECTION.match(line)
        if m:
            if current == section:
                end_of_section = len(out)
            current = m.group(1).strip()
        elif current == section:
            opt = _OPTION.match(line)
            if opt and opt.group(1) in values:
                key = opt.group(1)
                if key not in todo:
                    continue  # a duplicate of a key set above: drop it
                out += _lines(key, todo.pop(key))
                continue
        out.append(line)
    if current == section:
        end_of_section = len(out)
    rest = [line for kv in todo.items() for line in _lines(*kv)]
    if end_of_section is None:
        if out and out[-1].strip():
            out.append('')
        out += ['[%s]' % section] + rest
    else:
        # after the section's last non-blank line
        while end_of_section and not out[end_of_section - 1].strip():
            end_of_section -= 1
        out[end_of_section:end_of_section] = rest
    path.write_text('\n'.join(out) + '\n')


def _lines(key, value):
    return ['%s = %s' % (key, one)
            for one in (value if isinstance(value, list) else [value])]


if __name__ == '__main__':
    sys.exit(main())
