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
import sys
import typing

from mixmatch_deploy import cinder
from mixmatch_deploy import clouds
from mixmatch_deploy import exception
from mixmatch_deploy import federation
from mixmatch_deploy import keystone
from mixmatch_deploy import nova

__all__ = ['main']


def main(argv: typing.Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser(argv).parse_args(argv)
    try:
        args.func(args)
    except exception.ConfigureError as e:
        print('mixmatch-configure: error: %s' % e, file=sys.stderr)
        return 1
    return 0


def _parser(argv):
    parser = argparse.ArgumentParser(
        prog='mixmatch-configure', description=__doc__.split('\n')[0])
    clouds.register_arguments(parser, argv)
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
    idp.add_argument('--project-prefix',
                     default=federation.DEFAULT_PROJECT_PREFIX)
    idp.add_argument('--home-role', action='append',
                     help='repeatable; default: %s'
                          % ', '.join(federation.DEFAULT_HOME_ROLES))
    idp.add_argument('--project', action='append', default=[],
                     help='home project name whose mapped project to create '
                          'now (otherwise Keystone creates it at first '
                          'login); repeatable')
    idp.add_argument('--authorization-ttl', type=int, metavar='MINUTES',
                     help='how long the groups a mapping gives stay after '
                          'a login; an identity provider whose users this '
                          'cloud asserts onwards (chained K2K) needs it')
    idp.add_argument('--chained-remote-domain', metavar='DOMAIN',
                     help='chained K2K: the identity provider is a service '
                          'provider of another one, whose users it keeps '
                          'in its domain DOMAIN; they are mapped into the '
                          'projects of --chained-local-domain here')
    idp.add_argument('--chained-local-domain', metavar='DOMAIN',
                     help='chained K2K: the domain of the projects this '
                          'cloud maps the other identity provider\'s '
                          'users to')
    idp.set_defaults(func=register_identity_provider)

    nova_cmd = sub.add_parser('nova', help='write [mixmatch] in a nova.conf')
    nova_cmd.add_argument('--config-file', required=True, type=pathlib.Path)
    nova_cmd.add_argument('--home-auth-url', required=True,
                          help='Keystone v3 URL of the home cloud')
    nova_cmd.add_argument('--service-providers', default='',
                          help='comma-separated allow-list (default: all)')
    nova_cmd.add_argument(
        '--auth-section',
        help='nova.conf section with the credentials of Nova\'s own '
             'identity at home (e.g. service_user), federated to the '
             'providers for service tokens')
    nova_cmd.add_argument('--cafile')
    nova_cmd.add_argument('--insecure', action='store_true')
    nova_cmd.add_argument('--disable', action='store_true',
                          help='write enabled = false')
    nova_cmd.set_defaults(func=configure_nova)

    cinder_cmd = sub.add_parser(
        'cinder', help='write the cinder_mixmatch options in a cinder.conf '
                       'of a provider, for one home cloud')
    cinder_cmd.add_argument('--config-file', required=True,
                            type=pathlib.Path)
    cinder_cmd.add_argument('--home-cloud', required=True,
                            help='the home cloud\'s identity provider id '
                                 'in this cloud\'s Keystone')
    cinder_cmd.add_argument('--home-auth-url', required=True,
                            help='Keystone v3 URL of the home cloud')
    cred = cinder_cmd.add_mutually_exclusive_group(required=True)
    cred.add_argument('--application-credential-id')
    cred.add_argument('--application-credential-name',
                      help='with --username and --user-domain-name')
    cinder_cmd.add_argument('--username')
    cinder_cmd.add_argument('--user-domain-name', default='Default')
    # Never on the command line, which every user of the host can read.
    cinder_cmd.add_argument(
        '--application-credential-secret-file', type=argparse.FileType(),
        help='a file holding the secret ("-": standard input); default: '
             '$%s' % cinder.SECRET_VARIABLE)
    cinder_cmd.add_argument('--region-name',
                            help='region of the home Nova in its catalog')
    cinder_cmd.add_argument('--cafile')
    cinder_cmd.set_defaults(func=configure_cinder)
    return parser


def _print(report):
    for what, outcome in report:
        print('%s: %s' % (what, outcome))


def _keystone(args):
    return keystone.Keystone(clouds.identity_client(args))


def register_service_provider(args):
    _print(federation.register_service_provider(
        _keystone(args), args.id, args.auth_url, args.sp_url,
        enabled=not args.disable, description=args.description))


def register_identity_provider(args):
    chained = (args.chained_remote_domain, args.chained_local_domain)
    if any(chained) and not all(chained):
        raise exception.ConfigureError(
            '--chained-remote-domain and --chained-local-domain go together')
    rules = None
    if args.mapping_file:
        rules = json.loads(args.mapping_file.read_text())
        if isinstance(rules, dict):
            rules = rules.get('rules', rules)
    _print(federation.register_identity_provider(
        _keystone(args), args.id, args.remote_id, domain=args.domain,
        rules=rules, project_prefix=args.project_prefix,
        home_roles=args.home_role or federation.DEFAULT_HOME_ROLES,
        projects=args.project, authorization_ttl=args.authorization_ttl,
        chained=chained if all(chained) else None))


def configure_nova(args):
    values = nova.configure(
        args.config_file, args.home_auth_url,
        service_providers=args.service_providers,
        auth_section=args.auth_section, cafile=args.cafile,
        insecure=args.insecure, enabled=not args.disable)
    _print([('%s [%s]' % (args.config_file, nova.SECTION),
             ', '.join('%s = %s' % kv for kv in values.items()))])


def configure_cinder(args):
    if args.application_credential_secret_file:
        with args.application_credential_secret_file as f:
            secret = f.read().strip()
    else:
        secret = os.environ.get(cinder.SECRET_VARIABLE)
    section = cinder.configure(
        args.config_file, args.home_cloud, args.home_auth_url, secret,
        application_credential_id=args.application_credential_id,
        application_credential_name=args.application_credential_name,
        username=args.username, user_domain_name=args.user_domain_name,
        region_name=args.region_name, cafile=args.cafile)
    _print([('%s [%s]' % (args.config_file, section),
             'home cloud %s, compute_api_class = %s'
             % (args.home_cloud, cinder.COMPUTE_API))])


if __name__ == '__main__':
    sys.exit(main())
