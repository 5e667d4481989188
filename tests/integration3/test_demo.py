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

"""The three-cloud demo (tox -e demo3) runs, and cleans up after itself
before it returns."""

from mixmatch_sandbox import demo
from tests.integration import test_demo
from tests.integration3 import base


class TestDemo(base.TestCase, test_demo.TestDemo):

    def run_demo(self):
        return demo.run3(self.sb)
