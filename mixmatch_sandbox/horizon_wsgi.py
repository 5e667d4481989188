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

"""Horizon's WSGI application, its static files served by WhiteNoise.

Horizon leaves its static files to the web server in front (Apache in
production); under gunicorn alone, WhiteNoise serves what
``collectstatic`` and ``compress`` wrote to ``STATIC_ROOT``.
"""

from django.conf import settings
from openstack_dashboard import wsgi
import whitenoise

application = whitenoise.WhiteNoise(wsgi.application,
                                    root=settings.STATIC_ROOT,
                                    prefix=settings.STATIC_URL)
