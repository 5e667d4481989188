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

"""What a home cloud's Nova may clean up at a provider (without Cinder)."""

from oslotest import base

from cinder_mixmatch import ownership

HOME = 'home'


class TestOwnership(base.BaseTestCase):

    def test_release_only_its_own_servers_attachments(self):
        ownership.check_release(HOME, HOME, 'a1')
        for caller, owner in ((HOME, 'other'), (HOME, None), (None, None),
                              (None, HOME)):
            self.assertRaises(ownership.NotOwner, ownership.check_release,
                              caller, owner, 'a1')

    def test_roll_detaching(self):
        ownership.check_roll_detaching(HOME, 'v1', 'detaching', [HOME])
        # another cloud's server (or this provider's) shares the volume
        self.assertRaises(ownership.NotOwner,
                          ownership.check_roll_detaching, HOME, 'v1',
                          'detaching', [HOME, None])
        self.assertRaises(ownership.NotOwner,
                          ownership.check_roll_detaching, HOME, 'v1',
                          'detaching', [])
        self.assertRaises(ownership.NotOwner,
                          ownership.check_roll_detaching, None, 'v1',
                          'detaching', [None])
        error = self.assertRaises(ownership.WrongState,
                                  ownership.check_roll_detaching, HOME, 'v1',
                                  'in-use', [HOME])
        self.assertEqual(409, error.code)

    def test_delete_what_its_server_held_in_the_callers_project(self):
        ownership.check_delete(HOME, 'p1', 'v1', 'p1', 'available',
                               [None, HOME])
        for args in (('p1', 'v1', 'p2', 'available', [HOME]),
                     ('p1', 'v1', 'p1', 'available', [None, 'other']),
                     ('p1', 'v1', 'p1', 'available', [])):
            error = self.assertRaises(ownership.NotOwner,
                                      ownership.check_delete, HOME, *args)
            self.assertEqual(403, error.code)
        self.assertRaises(ownership.NotOwner, ownership.check_delete,
                          None, 'p1', 'v1', 'p1', 'available', [None])
        self.assertRaises(ownership.WrongState, ownership.check_delete,
                          HOME, 'p1', 'v1', 'p1', 'in-use', [HOME])
