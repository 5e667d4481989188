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

"""Thread-safety checks that run in real OS threads.

The unit test processes import Nova, which monkey-patches ``threading``
with eventlet: their threads are greenlets that switch only when one
waits, so a race between them cannot show and a lock-free structure
passes. The checks here run in a child interpreter that imports no Nova,
where threads are the operating system's and switch at any bytecode.
"""

import collections
import json
import subprocess
import sys
import threading

from mixmatch_sandbox import base
from nova_mixmatch import lru

_CHILD = '''
import json, sys
sys.setswitchinterval(1e-6)   # switch threads as often as possible
function, args = json.loads(sys.argv[1])
from tests import threaded
result = getattr(threaded, function)(*args)
if any(name.split(".")[0] in ("eventlet", "nova") for name in sys.modules):
    raise SystemExit("not real threads: eventlet or nova was imported")
print(json.dumps(result))
'''


def run(function, *args):
    """``function(*args)`` of this module in a child interpreter.

    Arguments and result go through JSON.
    """
    out = subprocess.run(
        [sys.executable, '-c', _CHILD, json.dumps([function, args])],
        check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])


def lru_hammer(size, threads=8, rounds=10000, keys=16):
    """Threads putting, getting and popping at once; what went wrong."""
    cache = lru.LRU(size)
    errors = []

    def one_thread(n):
        try:
            for i in range(rounds):
                key, other = (n + i) % keys, (n * i) % keys
                cache.put(key, ('value', key))
                value = cache.get(other)
                if value not in (None, ('value', other)):
                    errors.append('%r holds %r' % (other, value))
                if i % 3 == 0:
                    cache.pop(other)
                count = len(cache)
                if count > size:
                    errors.append('%d items' % count)
        except Exception as e:
            errors.append(repr(e))

    workers = [threading.Thread(target=one_thread, args=(n,))
               for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return {'errors': errors[:10], 'length': len(cache)}


def sandbox_secrets(directory, threads=8, names=50):
    """Threads asking one state directory for the same new secrets at once.

    :returns: the secrets on which the threads, or the file afterwards,
        disagree.
    """
    sb = base.Sandbox(directory)
    start = threading.Barrier(threads)
    given = collections.defaultdict(set)

    def one_thread():
        start.wait()
        for n in range(names):
            given['secret-%d' % n].add(sb.secret('secret-%d' % n))

    workers = [threading.Thread(target=one_thread) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    kept = base.Sandbox(directory)
    return sorted(name for name, values in given.items()
                  if values != {kept.secret(name)})
