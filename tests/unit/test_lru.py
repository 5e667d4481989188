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

from oslotest import base

from nova_mixmatch import lru
from tests import threaded


class TestLRU(base.BaseTestCase):

    def test_get_missing_returns_default(self):
        cache = lru.LRU(2)
        self.assertIsNone(cache.get('a'))
        marker = object()
        self.assertIs(marker, cache.get('a', marker))

    def test_size_bound_evicts_least_recently_put(self):
        cache = lru.LRU(3)
        for key in 'abcde':
            cache.put(key, key.upper())
        self.assertEqual(3, len(cache))
        self.assertIsNone(cache.get('a'))
        self.assertIsNone(cache.get('b'))
        self.assertEqual(['C', 'D', 'E'], [cache.get(k) for k in 'cde'])

    def test_get_makes_recent(self):
        cache = lru.LRU(3)
        for key in 'abc':
            cache.put(key, key.upper())
        self.assertEqual('A', cache.get('a'))
        cache.put('d', 'D')
        self.assertIsNone(cache.get('b'))
        self.assertEqual(['A', 'C', 'D'], [cache.get(k) for k in 'acd'])

    def test_put_existing_replaces_and_makes_recent(self):
        cache = lru.LRU(2)
        cache.put('a', 1)
        cache.put('b', 2)
        cache.put('a', 3)
        self.assertEqual(2, len(cache))
        cache.put('c', 4)
        self.assertIsNone(cache.get('b'))
        self.assertEqual(3, cache.get('a'))
        self.assertEqual(4, cache.get('c'))

    def test_pop(self):
        cache = lru.LRU(2)
        cache.put('a', 1)
        cache.put('b', 2)
        self.assertEqual(1, cache.pop('a'))
        self.assertIsNone(cache.pop('a'))
        self.assertEqual(1, len(cache))
        self.assertIsNone(cache.get('a'))
        self.assertEqual(2, cache.get('b'))

    def test_clear(self):
        cache = lru.LRU(2)
        cache.put('a', 1)
        cache.put('b', 2)
        cache.clear()
        self.assertEqual(0, len(cache))
        self.assertIsNone(cache.get('a'))
        self.assertIsNone(cache.get('b'))

    def test_threads_keep_the_bound(self):
        size = 8
        found = threaded.run('lru_hammer', size)
        self.assertEqual([], found['errors'])
        self.assertLessEqual(found['length'], size)
        self.assertGreater(found['length'], 0)
