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

"""What each cloud's Cinder needs before it takes volumes."""

import time

from mixmatch_sandbox import base

#: the volume type of Cinder's fake driver, in both clouds
VOLUME_TYPE = 'fake'
BACKEND = 'fake'
#: cinder.conf [DEFAULT]: the volume service reports its backend to the
#: scheduler every periodic_interval, first after up to periodic_fuzzy_delay
#: (60 s and 60 s by default): report at once, then every 10 s.
REPORTING = {'periodic_interval': 10, 'periodic_fuzzy_delay': 0}


def ensure_backend(session, cinder, log, timeout=60):
    """The fake backend's volume type, and the scheduler knowing it.

    The volume service announces its backend to the scheduler by a fanout
    that is lost when the scheduler's queue does not exist yet; it repeats
    it periodically (REPORTING). Wait for it here rather than fail the
    first volumes.

    :param session: an admin's keystoneauth session
    :param cinder: the project-scoped Cinder v3 URL
    """
    types = session.get(cinder + '/types',
                        params={'is_public': 'None'}).json()['volume_types']
    if VOLUME_TYPE not in [t['name'] for t in types]:
        session.post(cinder + '/types', json={'volume_type': {
            'name': VOLUME_TYPE, 'os-volume-type-access:is_public': True,
            'extra_specs': {'volume_backend_name': BACKEND}}})
    deadline = time.monotonic() + timeout
    while not session.get(cinder + '/scheduler-stats/get_pools').json()[
            'pools']:
        if time.monotonic() > deadline:
            raise base.SandboxError('the Cinder scheduler knows no backend '
                                    'after %d s (see %s)' % (timeout, log))
        time.sleep(1)
