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

"""The sandbox's nova-compute: Nova's own command, with the sandbox's
hypervisor (:mod:`mixmatch_sandbox.virt`) where Nova looks for drivers.

Nova 34 imports ``nova.virt.<compute_driver>`` only, so the module is
also known as ``nova.virt.mixmatch_sandbox``:
``compute_driver = mixmatch_sandbox.ImageFetchingFakeDriver``. Run as
``python -m mixmatch_sandbox.compute --config-file ...``.
"""

import sys

from nova.cmd import compute  # first: Nova's commands set up eventlet


def main():
    from mixmatch_sandbox import virt
    sys.modules['nova.virt.mixmatch_sandbox'] = virt
    return compute.main()


if __name__ == '__main__':
    sys.exit(main())
