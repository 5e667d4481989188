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

"""BU's Cinder calls NU's Nova back about NU's servers (cinder_mixmatch).

The two-cloud tests, as MOC's demo user: its own K2K to BU extends the
volume in use, and the event reaches NU's Nova, because NU's Nova made
the attachment with the user's chained identity, whose identity provider
at BU is NU (``home``): cinder_mixmatch knows NU as the attachment's home.
"""

from mixmatch_sandbox.clouds import foreign
from tests.integration import test_cinder_callbacks
from tests.integration3 import base


class TestCinderCallbacks(base.TestCase,
                          test_cinder_callbacks.TestCinderCallbacks):

    def test_a_connector_names_the_cloud_its_caller_comes_from(self):
        """Only NU's identities (chained) make NU an attachment's home.

        MOC's user by its own K2K claiming NU gets no home: MOC is no
        home cloud of BU's Cinder (it has no Nova); the same user by
        chained K2K from NU claiming another cloud gets NU.
        """
        chained = self.at_bu(self.clients.home_auth, base.PROJECT)

        def as_chained(method, path,
                       version=test_cinder_callbacks.ATTACHMENTS, **kw):
            return chained.request(
                self.demo_url + path, method, raise_exc=False,
                headers={'OpenStack-API-Version': version}, **kw)

        from_moc = self._attach_directly(self._demo, self.volume('foreign'),
                                         foreign.IDP_ID)
        from_nu = self._attach_directly(as_chained, self.volume('foreign'),
                                        'elsewhere')
        homes = self._homes_listed()
        self.assertNotIn(from_moc, homes)
        self.assertEqual(foreign.IDP_ID, homes.get(from_nu))
