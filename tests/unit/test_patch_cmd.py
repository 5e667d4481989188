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

"""mixmatch-patch on a copy of the files that a patch set touches.

Each service's patch set is tried on the files of the installed service
(nova, keystone), unpatched.
"""

import importlib.util
import io
import pathlib
import re
import shutil
import subprocess

import fixtures
from oslotest import base

from mixmatch_deploy import patch

SERIES = '2026.2'
_DIFF_RE = re.compile(r'^diff --git a/(\S+) b/(\S+)$', re.MULTILINE)


def _touched(patch_file):
    """The paths a patch touches, from its ``diff --git`` lines."""
    return sorted({b for _, b in _DIFF_RE.findall(patch_file.read_text())})


def _snapshot(root):
    return {str(p.relative_to(root)): p.read_bytes()
            for p in sorted(root.rglob('*')) if p.is_file()}


class _PatchSetTests:
    """The command on one service's patch set; the subclass names it."""

    #: the service (its package name) and how many patches it has
    SERVICE = None
    PATCH_COUNT = None
    #: (file, a line one of its patches needs, that line as another
    #: release would have it)
    CHANGED_LINE = None

    def setUp(self):
        super().setUp()
        self.patches = sorted(
            patch.patch_dir(self.SERVICE, SERIES).glob('*.patch'))
        self.stderr = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', self.stderr))
        self.target = self._pristine_tree()
        self.pristine = _snapshot(self.target)

    def _pristine_tree(self):
        """Copy the touched files of the installed service, unpatched."""
        package = importlib.util.find_spec(
            self.SERVICE).submodule_search_locations
        source = pathlib.Path(list(package)[0]).parent
        target = pathlib.Path(self.useFixture(fixtures.TempDir()).path)
        for patch_file in self.patches:
            for path in _touched(patch_file):
                (target / path).parent.mkdir(parents=True, exist_ok=True)
                # A file the patch set creates exists only if the installed
                # service is patched; it is then removed by the revert below.
                if (source / path).is_file():
                    shutil.copyfile(source / path, target / path)
        found = patch.states(target, self.patches)
        if any(s == patch.APPLIED for _, s in found):
            patch.revert(target, self.patches, io.StringIO())
        self.assertEqual([patch.NOT_APPLIED] * len(self.patches),
                         [s for _, s in patch.states(target, self.patches)])
        return target

    def _main(self, command, target=None, series=SERIES):
        out = io.StringIO()
        rc = patch.main([command, '--service', self.SERVICE,
                         '--target', str(target or self.target),
                         '--series', series], out=out)
        return rc, out.getvalue()

    def _report(self, lines):
        """The output of a command that reports ``(patch, state)`` lines."""
        header = '%s at %s, patch set %s\n' % (
            self.SERVICE.capitalize(), self.target, SERIES)
        return header + ''.join('%s: %s\n' % (p.name, state)
                                for p, state in lines)

    def _expected(self, state, patches=None):
        return self._report(
            (p, state)
            for p in (self.patches if patches is None else patches))

    def _break(self):
        """Change a line a patch needs, as another release would."""
        path, line, other = self.CHANGED_LINE
        changed = self.target / path
        text = changed.read_text()
        self.assertEqual(1, text.count(line))
        changed.write_text(text.replace(line, other))
        [broken] = [p for p in self.patches if path in _touched(p)]
        return broken

    def test_patch_set_is_found(self):
        self.assertEqual(self.PATCH_COUNT, len(self.patches))

    def test_patches_touch_only_the_package(self):
        for patch_file in self.patches:
            for path in _touched(patch_file):
                self.assertTrue(path.startswith(self.SERVICE + '/'),
                                '%s: %s' % (patch_file.name, path))

    def test_patches_touch_distinct_files(self):
        # Each patch is dry-run alone against the unpatched tree, which
        # holds only if no file is changed by two patches.
        touched = [path for p in self.patches for path in _touched(p)]
        self.assertNotEqual([], touched)
        self.assertEqual(sorted(set(touched)), sorted(touched))

    def test_status_pristine(self):
        rc, out = self._main('status')
        self.assertEqual(0, rc)
        self.assertEqual(self._expected('not applied'), out)
        self.assertEqual(self.pristine, _snapshot(self.target))

    def test_apply_then_status(self):
        rc, out = self._main('apply')
        self.assertEqual(0, rc)
        self.assertEqual(self._expected('applied'), out)
        after = _snapshot(self.target)
        for path, content in self.pristine.items():
            self.assertNotEqual(content, after[path], path)

        rc, out = self._main('status')
        self.assertEqual(0, rc)
        self.assertEqual(self._expected('applied'), out)
        self.assertEqual('', self.stderr.getvalue())

    def test_apply_twice_is_idempotent(self):
        self.assertEqual(0, self._main('apply')[0])
        applied = _snapshot(self.target)

        rc, out = self._main('apply')
        self.assertEqual(0, rc)
        self.assertEqual(self._expected('already applied'), out)
        self.assertEqual(applied, _snapshot(self.target))

    def test_apply_completes_a_partly_patched_tree(self):
        first, rest = self.patches[0], self.patches[1:]
        with open(first, 'rb') as stdin:
            subprocess.run(['patch', '-p1', '-d', str(self.target),
                            '--silent'], stdin=stdin, check=True)

        rc, out = self._main('apply')
        self.assertEqual(0, rc)
        self.assertEqual(
            self._report([(first, 'already applied'),
                          *((p, 'applied') for p in rest)]), out)
        rc, out = self._main('status')
        self.assertEqual(self._expected('applied'), out)

    def test_revert_restores_pristine_bytes(self):
        self.assertEqual(0, self._main('apply')[0])

        rc, out = self._main('revert')
        self.assertEqual(0, rc)
        self.assertEqual(
            self._expected('reverted', list(reversed(self.patches))), out)
        self.assertEqual(self.pristine, _snapshot(self.target))

    def test_revert_pristine_changes_nothing(self):
        rc, out = self._main('revert')
        self.assertEqual(0, rc)
        self.assertEqual(
            self._expected('not applied', list(reversed(self.patches))), out)
        self.assertEqual(self.pristine, _snapshot(self.target))

    def test_apply_refuses_a_tree_that_does_not_match(self):
        broken = self._break()
        before = _snapshot(self.target)

        rc, out = self._main('apply')
        self.assertEqual(1, rc)
        self.assertEqual(before, _snapshot(self.target))
        error = self.stderr.getvalue()
        self.assertTrue(error.startswith('mixmatch-patch: '), error)
        self.assertIn(broken.name, error)
        self.assertIn('nothing was changed', error)
        for other in set(self.patches) - {broken}:
            self.assertNotIn(other.name, error)
        self.assertNotIn('applied', out)

    def test_revert_refuses_a_tree_that_does_not_match(self):
        self.assertEqual(0, self._main('apply')[0])
        broken = self._break()
        before = _snapshot(self.target)

        rc, out = self._main('revert')
        self.assertEqual(1, rc)
        self.assertEqual(before, _snapshot(self.target))
        self.assertIn(broken.name, self.stderr.getvalue())
        self.assertNotIn('reverted', out)

    def test_status_names_the_patch_that_does_not_apply(self):
        broken = self._break()

        rc, out = self._main('status')
        self.assertEqual(0, rc)
        self.assertIn('%s: does not apply\n' % broken.name, out)
        self.assertEqual(len(self.patches) - 1, out.count(': not applied\n'))

    def test_check(self):
        rc, out = self._main('check')
        self.assertEqual(0, rc)
        self.assertEqual(self._expected('not applied'), out)
        self.assertEqual('', self.stderr.getvalue())

        broken = self._break()
        before = _snapshot(self.target)
        rc, out = self._main('check')
        self.assertEqual(1, rc)
        self.assertIn(broken.name, self.stderr.getvalue())
        self.assertEqual(before, _snapshot(self.target))

    def test_check_passes_on_a_patched_tree(self):
        self.assertEqual(0, self._main('apply')[0])
        rc, out = self._main('check')
        self.assertEqual(0, rc)
        self.assertEqual(self._expected('applied'), out)

    def test_target_without_the_service(self):
        empty = self.useFixture(fixtures.TempDir()).path

        rc, out = self._main('apply', empty)
        self.assertEqual(1, rc)
        self.assertEqual('', out)
        self.assertEqual(
            'mixmatch-patch: %s holds no %s package\n' % (
                empty, self.SERVICE),
            self.stderr.getvalue())

    def test_unknown_series(self):
        rc, out = self._main('apply', series='1999.1')
        self.assertEqual(1, rc)
        self.assertIn('No %s patch set for series 1999.1' % self.SERVICE,
                      self.stderr.getvalue())
        self.assertEqual(self.pristine, _snapshot(self.target))


class TestNovaPatchSet(_PatchSetTests, base.BaseTestCase):

    SERVICE = 'nova'
    PATCH_COUNT = 12
    CHANGED_LINE = ('nova/volume/cinder.py', 'from nova import exception\n',
                    'from nova import exception as e\n')

    def test_apply_adds_the_extension_points(self):
        self.assertEqual(0, self._main('apply')[0])
        after = _snapshot(self.target)
        self.assertIn('nova/extension_points.py', after)
        self.assertIn(b'extension_points.around(',
                      after['nova/volume/cinder.py'])
        self.assertIn(b"'image.glance.call'", after['nova/image/glance.py'])

    def test_nova_is_the_default_service(self):
        out = io.StringIO()
        rc = patch.main(['status', '--target', str(self.target),
                         '--series', SERIES], out=out)
        self.assertEqual(0, rc)
        self.assertEqual(self._expected('not applied'), out.getvalue())


class TestKeystonePatchSet(_PatchSetTests, base.BaseTestCase):

    SERVICE = 'keystone'
    PATCH_COUNT = 1
    AUTH_CONTEXT = ('keystone/server/flask/request_processing/middleware/'
                    'auth_context.py')
    CHANGED_LINE = (
        AUTH_CONTEXT,
        "        super().__init__(app, log=LOG, service_type='identity')\n",
        '        super().__init__(app, log=LOG)\n')

    def test_apply_keeps_the_token_per_thread(self):
        self.assertEqual(0, self._main('apply')[0])
        after = _snapshot(self.target)
        self.assertIn(b'threading.local()', after[self.AUTH_CONTEXT])
        self.assertIn(b'def test_concurrent_requests_keep_their_own_token',
                      after['keystone/tests/unit/test_v3.py'])
