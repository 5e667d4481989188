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

"""An opt-in cache of K2K tokens between commands.

A K2K exchange is the dearest part of asking a service provider: the
home Keystone signs a SAML assertion, the provider checks it and issues a
federated token. That unscoped token serves every project there until it
expires, so the command line can keep it for the next command (keystoneauth
hands it over with get/set_unscoped_auth_state) and pay only for the
rescope. One file per home identity and provider, readable by its owner
only. The cache holds bearer tokens: it is off unless a directory is given.
"""

import hashlib
import json
import os
import pathlib
import stat
import threading


class K2KCache:

    def __init__(self, directory):
        self._dir = pathlib.Path(directory).expanduser()

    def _path(self, key):
        return self._dir / hashlib.sha256(
            '\0'.join(key).encode()).hexdigest()

    def _private(self):
        """The directory, made (or made again) its owner's only.

        One given by the user may exist already, readable by others: its
        tokens would be theirs too.
        """
        self._dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if stat.S_IMODE(self._dir.stat().st_mode) != 0o700:
            self._dir.chmod(0o700)

    def load(self, key):
        """What :meth:`save` stored under ``key``, or None."""
        try:
            self._private()
            return json.loads(self._path(key).read_text())
        except (OSError, ValueError):
            return None

    def save(self, key, value):
        self._private()
        path = self._path(key)
        partial = path.with_name('%s.%d.%d' % (path.name, os.getpid(),
                                               threading.get_ident()))
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as f:
            json.dump(value, f)
        os.replace(partial, path)

    def forget(self, key):
        self._path(key).unlink(missing_ok=True)
