#!/usr/bin/env python3
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

"""Time ``openstack mixmatch volume list`` over 1, 2, 4 and 8 providers.

Registers service providers bench-1..bench-8 in the home Keystone of the
sandbox, all pointing at its one foreign cloud (distinct providers for
K2K: each list does one exchange per provider), and removes them at the
end. Run it with the sandbox venv, the sandbox up::

    MIXMATCH_SANDBOX_PORT_BASE=... .sandbox/venv/bin/python \
        tools/benchmark_provider_list.py [--runs N] [--json]

(``tox -e bench`` runs it with ``--json``: the table and every sample,
as JSON.)

It prints, per provider count, the median of N runs of:

* fan-out: ``Clouds.query`` of the volume lists in process (the home token
  already there), providers in parallel as the command does;
* serial: the same providers queried one after the other, for comparison;
* command: the whole ``openstack mixmatch volume list`` command line
  (Python start, home password login, fan-out, output);
* "warm": the same with the K2K cache (``--os-mixmatch-k2k-cache``) filled
  by an earlier run: no K2K exchange, only the rescope and the list.
"""

import argparse
import functools
import json
import os
import statistics
import subprocess
import tempfile
import time

from keystoneauth1 import session as ks_session

from mixmatch_client import cache
from mixmatch_client import clouds
from mixmatch_client import volume
from mixmatch_sandbox import base
from mixmatch_sandbox.clouds import federation
from mixmatch_sandbox import demo

COUNTS = (1, 2, 4, 8)


def _samples(func, runs):
    times = []
    for _ in range(runs):
        start = time.monotonic()
        func()
        times.append(time.monotonic() - start)
    return times


def _check(outcomes, sp_ids):
    failed = [o for o in outcomes if o.error]
    if failed or {o.provider for o in outcomes} != set(sp_ids):
        raise base.SandboxError('benchmark list failed: %s' % outcomes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--json', action='store_true',
                        help='print the table and the samples as JSON')
    args = parser.parse_args()
    sb = base.Sandbox(os.environ.get('MIXMATCH_SANDBOX_DIR'))
    user = demo.Clients(sb)
    home = ks_session.Session(auth=user.home_auth)
    home.get_token()
    command = [sb.bin('openstack'), '--os-cloud', 'home-demo', 'mixmatch',
               'volume', 'list', '-f', 'value']
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(sb.path('clouds.yaml')))
    labels = ('fan-out', 'serial', 'command', 'warm fan-out', 'warm command')
    table = ['providers ' + ' '.join('%13s' % label for label in labels)]
    show = (lambda line: None) if args.json else print
    show(table[0])
    results, samples = {}, {}
    ids = ['bench-%d' % n for n in range(1, max(COUNTS) + 1)]
    with tempfile.TemporaryDirectory(prefix='mixmatch-k2k-') as warm_cache, \
            federation.service_providers(sb, ids):
        for count in COUNTS:
            sp_ids = ids[:count]

            def fan_out():
                _check(clouds.Clouds(home).query(volume.list_volumes,
                                                 sp_ids), sp_ids)

            def serial():
                for sp_id in sp_ids:
                    _check(clouds.Clouds(home).query(volume.list_volumes,
                                                     [sp_id]), [sp_id])

            def warm_fan_out():
                _check(clouds.Clouds(home, cache=cache.K2KCache(
                    warm_cache)).query(volume.list_volumes, sp_ids), sp_ids)

            def cli(*options):
                subprocess.run(
                    command + list(options) +
                    ['--service-provider=' + s for s in sp_ids],
                    env=env, check=True, stdout=subprocess.DEVNULL)

            warm_fan_out()   # fills the cache
            funcs = (fan_out, serial, cli, warm_fan_out,
                     functools.partial(cli, '--os-mixmatch-k2k-cache',
                                       warm_cache))
            samples[count] = {label: _samples(f, args.runs)
                              for label, f in zip(labels, funcs)}
            results[count] = [statistics.median(samples[count][label])
                              for label in labels]
            table.append('%-9d ' % count + ' '.join(
                '%13.3f' % t for t in results[count]))
            show(table[-1])
    one, eight = results[min(COUNTS)], results[max(COUNTS)]
    ratios = {label: e / o for label, e, o in zip(labels, eight, one)}
    table.append('%d providers / 1: ' % max(COUNTS) + ', '.join(
        '%s %.2f x' % item for item in ratios.items()) + ' (goal: 1.5 x)')
    show(table[-1])
    if args.json:
        print(json.dumps({'table': table, 'runs': args.runs,
                          'ratios_8_to_1': ratios, 'samples': samples}))


if __name__ == '__main__':
    main()
