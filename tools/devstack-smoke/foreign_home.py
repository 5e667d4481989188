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

"""The sandbox's foreign cloud, a service provider of one more home cloud.

For tools/devstack-smoke.sh: the devstack cloud becomes a home cloud of
the running sandbox's foreign cloud, beside the sandbox's own. Run in the
sandbox's venv, with its MIXMATCH_SANDBOX_DIR and _PORT_BASE:

* the foreign Keystone trusts the home Keystone as identity provider
  (mixmatch-configure register-identity-provider, as for the sandbox);
* the foreign shibd takes its assertions (its SAML metadata beside the
  sandbox home Keystone's, shibd restarted);
* the foreign Cinder calls the home Nova back with the home's application
  credential (mixmatch-configure cinder; Cinder restarted).
"""

import argparse
import shutil

from mixmatch_sandbox import base
from mixmatch_sandbox import clouds
from mixmatch_sandbox.clouds import federation
from mixmatch_sandbox.clouds import foreign
from mixmatch_sandbox import credentials
from mixmatch_sandbox.services import cinder
from mixmatch_sandbox.services import keystone
from mixmatch_sandbox.services import shibboleth


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('idp_id', help='the home cloud\'s identity '
                                       'provider id at the foreign cloud')
    parser.add_argument('--entity-id', required=True,
                        help='[saml] idp_entity_id of the home Keystone')
    parser.add_argument('--metadata', required=True,
                        help='keystone-manage saml_idp_metadata of it')
    parser.add_argument('--auth-url', required=True,
                        help='the home Keystone\'s v3 URL')
    parser.add_argument('--credential-file', required=True,
                        help='"id|secret" of the application credential '
                             'the foreign Cinder calls the home Nova as')
    parser.add_argument('--project', default=credentials.DEMO,
                        help='home project whose k2k- project to create')
    args = parser.parse_args(argv)
    sb = base.Sandbox()
    cloud = foreign.CLOUD
    with sb.step('foreign keystone: identity provider %s' % args.idp_id):
        federation._configure(sb, cloud, [
            'register-identity-provider', args.idp_id,
            '--remote-id', args.entity_id, '--project', args.project])
    with sb.step('foreign shibd: the assertions of %s too' % args.idp_id):
        shutil.copy(args.metadata,
                    keystone.idp_metadata_path(sb, args.idp_id))
        shibd = 'shibd-' + cloud
        sb.stop(shibd)
        shibboleth.shibd(sb, cloud, *clouds.identity_providers(sb, cloud),
                         args.idp_id)
    with sb.step('foreign cinder: calls back the Nova of %s' % args.idp_id):
        with open(args.credential_file) as f:
            credential_id, secret = f.read().strip().split('|')
        conf = sb.etc(cinder.name(cloud), 'cinder.conf')
        sb.run([sb.bin('mixmatch-configure'), 'cinder', '--config-file',
                conf, '--home-cloud', args.idp_id,
                '--home-auth-url', args.auth_url,
                '--application-credential-id', credential_id,
                '--region-name', credentials.REGION],
               log=sb.log('federation'),
               env={'MIXMATCH_APPLICATION_CREDENTIAL_SECRET': secret})
        for name in ('scheduler', 'volume'):
            sb.stop('%s-%s' % (cinder.name(cloud), name))
        sb.stop(cinder.name(cloud))
        cinder.start(sb, cloud)
        cinder.wait_for_backends(sb, cloud,
                                 credentials.admin_session(sb, cloud))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
