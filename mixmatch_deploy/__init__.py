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

"""Deployment of Mix and Match federation: one code path for operators,
the devstack plugin and the sandbox.

* :mod:`~mixmatch_deploy.keystone`: idempotent Keystone v3 calls;
* :mod:`~mixmatch_deploy.federation`: the K2K objects, a service provider
  at the home Keystone, and at a provider's Keystone the identity
  provider, its mapping and protocol;
* :mod:`~mixmatch_deploy.inifile`: edit config files in place;
* :mod:`~mixmatch_deploy.nova`, :mod:`~mixmatch_deploy.cinder`: the
  options of each service;
* :mod:`~mixmatch_deploy.cli`: ``mixmatch-configure``;
* :mod:`~mixmatch_deploy.patch`: ``mixmatch-patch``, the extension points
  in Nova.
"""
