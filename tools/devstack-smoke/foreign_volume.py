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

"""foreign_volume.py SP_ID IDP_ID: a volume of the devstack demo user at
service provider SP_ID, made through K2K; prints its id.

In the project the default mapping gives the demo project there
(k2k-demo of the domain IDP_ID). For tools/devstack-smoke.sh, in
devstack's venv, as the stack user (clouds.yaml cloud ``devstack``).
"""

import sys
import time

from keystoneauth1.identity import v3
from keystoneauth1 import session
import openstack.config


def main(sp_id, domain):
    home = openstack.config.OpenStackConfig().get_one(
        'devstack').get_session()
    k2k = session.Session(auth=v3.Keystone2Keystone(
        home.auth, sp_id, project_name='k2k-demo',
        project_domain_name=domain))
    volumes = '%s/%s/volumes' % (
        k2k.get_endpoint(service_type='block-storage',
                         interface='public').rstrip('/'),
        k2k.get_project_id())
    volume = k2k.post(volumes, json={'volume': {
        'size': 1, 'name': 'devstack-smoke-foreign'}}).json()['volume']
    status = volume['status']
    for _ in range(60):
        if status != 'creating':
            break
        time.sleep(2)
        status = k2k.get(volumes + '/' + volume['id']).json()[
            'volume']['status']
    print('foreign volume %s in project %s: %s'
          % (volume['id'], k2k.get_project_id(), status), file=sys.stderr)
    print(volume['id'])
    return 0 if status == 'available' else 1


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:]))
