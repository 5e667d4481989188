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

"""Horizon's own test settings, with mixmatch's enabled files applied as
``openstack_dashboard/local/enabled/`` would apply them."""

from openstack_dashboard import enabled
from openstack_dashboard.test.settings import *  # noqa: F403,H303
from openstack_dashboard.utils import settings as settings_utils

from mixmatch_dashboard import enabled as mixmatch_enabled

# Horizon's test settings applied its own enabled files; apply them again
# with ours, from the state before.
INSTALLED_APPS = [app for app in INSTALLED_APPS  # noqa: F405
                  if app not in HORIZON_CONFIG['plugins']]  # noqa: F405
for _key in ('plugins', 'angular_modules', 'js_files', 'js_spec_files',
             'scss_files', 'xstatic_modules'):
    HORIZON_CONFIG[_key] = []  # noqa: F405
for _key in ('dashboards', 'default_dashboard'):
    HORIZON_CONFIG.pop(_key, None)  # noqa: F405
settings_utils.update_dashboards([enabled, mixmatch_enabled],
                                 HORIZON_CONFIG,  # noqa: F405
                                 INSTALLED_APPS)
