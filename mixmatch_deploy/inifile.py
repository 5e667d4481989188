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

"""Edit an ini file in place.

What is not set stays as it was: comments, order, other sections and keys
(as devstack's ``iniset`` does).
"""

import os
import pathlib
import re
import stat
import typing

__all__ = ['set_options', 'get_option', 'make_private']

Value = str | list[str]
_SECTION = re.compile(r'^\s*\[([^\]]+)\]\s*$')
_OPTION = re.compile(r'^\s*([^#;=\s][^=]*?)\s*=')


class _Line(typing.NamedTuple):
    section: str | None   # the section it is in (or opens)
    key: str | None       # the option it sets, if any
    header: bool          # whether it opens the section
    text: str


def _parse(lines: list[str]) -> typing.Iterator[_Line]:
    section = None
    for text in lines:
        m = _SECTION.match(text)
        if m:
            section = m.group(1).strip()
            yield _Line(section, None, True, text)
            continue
        opt = _OPTION.match(text)
        yield _Line(section, opt and opt.group(1), False, text)


def get_option(path: os.PathLike | str, section: str,
               key: str) -> list[str]:
    """Every value of ``key`` in ``section``, in order.

    Several for a multi-valued option; none if it is not set.
    """
    path = pathlib.Path(path)
    lines = path.read_text().splitlines() if path.exists() else []
    return [line.text.split('=', 1)[1].strip() for line in _parse(lines)
            if (line.section, line.key) == (section, key)]


def set_options(path: os.PathLike | str, section: str,
                values: typing.Mapping[str, Value]) -> None:
    """Set ``values`` in ``section``; a list value is a multi-valued option.

    A key already there is replaced where it stands (all its lines); a new
    one goes after the section's last option; a new section at the end.
    """
    path = pathlib.Path(path)
    lines = path.read_text().splitlines() if path.exists() else []
    todo = dict(values)
    out: list[str] = []
    end_of_section = None
    current = None
    for line in _parse(lines):
        if line.header:
            if current == section:
                end_of_section = len(out)
            current = line.section
        elif line.section == section and line.key in values:
            if line.key in todo:
                out += _lines(line.key, todo.pop(line.key))
            continue   # the key's other lines: replaced above
        out.append(line.text)
    if current == section:
        end_of_section = len(out)
    rest = [line for kv in todo.items() for line in _lines(*kv)]
    if end_of_section is None:
        if out and out[-1].strip():
            out.append('')
        out += ['[%s]' % section] + rest
    else:
        # after the section's last non-blank line
        while end_of_section and not out[end_of_section - 1].strip():
            end_of_section -= 1
        out[end_of_section:end_of_section] = rest
    path.write_text('\n'.join(out) + '\n')


def make_private(path: os.PathLike | str) -> None:
    """Make ``path`` unreadable to others, before a secret goes in.

    A new file is its owner's only; an existing one loses every permission
    of others, and keeps its group (the service's, which must read it).
    """
    path = pathlib.Path(path)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        path.chmod(stat.S_IMODE(path.stat().st_mode) & ~stat.S_IRWXO)


def _lines(key: str, value: Value) -> list[str]:
    return ['%s = %s' % (key, one)
            for one in (value if isinstance(value, list) else [value])]
