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

"""edit-constraints FILE -- NAME: drop NAME's pin from a constraints file.

What devstack calls from the requirements repository before it installs
a project from git, so that later installs do not replace it.
"""

import re
import sys


def canonical(name):
    return re.sub(r'[-_.]+', '-', name).lower()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 3 or argv[1] != '--':
        sys.exit(__doc__.splitlines()[0])
    path, name = argv[0], canonical(argv[2])
    with open(path) as f:
        lines = f.readlines()
    kept = [line for line in lines
            if canonical(re.split(r'[<>=!~;\s\[]', line, 1)[0]) != name]
    with open(path, 'w') as f:
        f.writelines(kept)


if __name__ == '__main__':
    main()
