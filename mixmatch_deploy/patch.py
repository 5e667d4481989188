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

"""mixmatch-patch: apply mixmatch's patch set to a Nova or Keystone tree.

Nova's patch set adds mixmatch's extension points; Keystone's fixes what
a service provider's Keystone needs fixed (``--service keystone``). Works
on an installed service (the directory holding its package, e.g.
site-packages) or on a source tree, with GNU patch. Every patch is
checked before any is applied, so a tree that does not match is left
untouched.
"""

import argparse
import importlib.metadata
import importlib.util
import pathlib
import subprocess
import sys

#: Service -> {major version of its package: OpenStack series of the
#: patch set}.
SERIES = {'nova': {34: '2026.2'}, 'keystone': {30: '2026.2'}}

APPLIED, NOT_APPLIED, CONFLICT = 'applied', 'not applied', 'does not apply'


class PatchError(Exception):
    pass


def default_target(service):
    spec = importlib.util.find_spec(service)
    if spec is None or not spec.submodule_search_locations:
        raise PatchError('%s is not installed here; give --target' % service)
    return pathlib.Path(list(spec.submodule_search_locations)[0]).parent


def default_series(service):
    try:
        major = int(importlib.metadata.version(service).split('.')[0])
    except importlib.metadata.PackageNotFoundError:
        raise PatchError('%s is not installed here; give --series' % service)
    known = SERIES[service]
    if major not in known:
        raise PatchError('No patch set for %s %d; known: %s' % (
            service, major,
            ', '.join('%d (%s)' % kv for kv in sorted(known.items()))))
    return known[major]


def patch_dir(service, series):
    """Where the patch set of ``series`` is: installed data or checkout."""
    here = pathlib.Path(__file__).resolve().parents[1]
    for root in (pathlib.Path(sys.prefix) / 'share' / 'mixmatch', here):
        candidate = root / 'patches' / service / series
        if candidate.is_dir():
            return candidate
    raise PatchError('No %s patch set for series %s' % (service, series))


def _patch(target, patch_file, *args):
    with open(patch_file, 'rb') as stdin:
        return subprocess.run(
            ['patch', '-p1', '-d', str(target), '--batch', '--forward',
             '--no-backup-if-mismatch', '-r', '-', '--silent', *args],
            stdin=stdin, capture_output=True, text=True)


def state(target, patch_file):
    if _patch(target, patch_file, '--dry-run', '-R').returncode == 0:
        return APPLIED
    if _patch(target, patch_file, '--dry-run').returncode == 0:
        return NOT_APPLIED
    return CONFLICT


def states(target, patches):
    return [(p, state(target, p)) for p in patches]


def _refuse_conflicts(target, found):
    bad = [p.name for p, s in found if s == CONFLICT]
    if bad:
        raise PatchError(
            'The tree at %s does not match %s; nothing was changed. '
            'Is it the release this patch set is for?' % (
                target, ', '.join(bad)))


def apply(target, patches, out):
    found = states(target, patches)
    _refuse_conflicts(target, found)
    for patch_file, current in found:
        if current == APPLIED:
            out.write('%s: already applied\n' % patch_file.name)
            continue
        result = _patch(target, patch_file)
        if result.returncode:
            raise PatchError('%s failed: %s' % (patch_file.name,
                                                result.stdout + result.stderr))
        out.write('%s: applied\n' % patch_file.name)


def revert(target, patches, out):
    found = states(target, patches)
    _refuse_conflicts(target, found)
    for patch_file, current in reversed(found):
        if current == NOT_APPLIED:
            out.write('%s: not applied\n' % patch_file.name)
            continue
        result = _patch(target, patch_file, '-R')
        if result.returncode:
            raise PatchError('%s failed: %s' % (patch_file.name,
                                                result.stdout + result.stderr))
        out.write('%s: reverted\n' % patch_file.name)


def status(target, patches, out):
    found = states(target, patches)
    for patch_file, current in found:
        out.write('%s: %s\n' % (patch_file.name, current))
    return found


def check(target, patches, out):
    found = status(target, patches, out)
    _refuse_conflicts(target, found)


COMMANDS = {'apply': apply, 'revert': revert, 'status': status,
            'check': check}


def main(argv=None, out=sys.stdout):
    parser = argparse.ArgumentParser(
        prog='mixmatch-patch', description=__doc__.splitlines()[0])
    parser.add_argument(
        'command', choices=sorted(COMMANDS),
        help='apply or revert the patch set (idempotent); status prints '
             'each patch\'s state; check fails unless apply would succeed')
    parser.add_argument('--service', choices=sorted(SERIES), default='nova',
                        help='the service whose tree to patch (default: '
                             'nova)')
    parser.add_argument('--target', type=pathlib.Path,
                        help='directory holding the service\'s package '
                             '(default: where it is installed)')
    parser.add_argument('--series',
                        help='OpenStack series of the patch set (default: '
                             'from the installed service\'s version)')
    args = parser.parse_args(argv)
    service = args.service
    try:
        target = args.target or default_target(service)
        if not (target / service).is_dir():
            raise PatchError('%s holds no %s package' % (target, service))
        series = args.series or default_series(service)
        patches = sorted(patch_dir(service, series).glob('*.patch'))
        out.write('%s at %s, patch set %s\n' % (
            service.capitalize(), target, series))
        COMMANDS[args.command](target, patches, out)
    except PatchError as e:
        sys.stderr.write('mixmatch-patch: %s\n' % e)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
