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

"""The dashboard in a real browser: headless Chromium (Debian's chromium
and chromium-driver) driven by selenium, against the sandbox's Horizon,
as the home demo user.

Each step saves a screenshot in ``<output>/dashboard/``, where <output>
is $MIXMATCH_TEST_OUTPUT (default: <sandbox dir>/test-output).
"""

import os
import pathlib
import time

from selenium import webdriver
from selenium.webdriver.chrome import service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support import ui

from mixmatch_sandbox.clouds import federation
from mixmatch_sandbox.clouds import foreign
from mixmatch_sandbox import credentials
from mixmatch_sandbox.services import horizon
from tests.integration import base

CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'
#: seconds a page or a modal may take (each page asks every provider)
WAIT = 60


class TestDashboard(base.TestCase):

    def setUp(self):
        super().setUp()
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ('--headless=new', '--no-sandbox',
                    '--disable-dev-shm-usage', '--window-size=1400,1000'):
            options.add_argument(arg)
        self.browser = webdriver.Chrome(
            options=options, service=service.Service(CHROMEDRIVER))
        self.addCleanup(self.browser.quit)
        self.wait = ui.WebDriverWait(self.browser, WAIT)
        self.output = pathlib.Path(os.environ.get(
            'MIXMATCH_TEST_OUTPUT', self.sb.path('test-output'))) / (
            'dashboard')
        self.output.mkdir(parents=True, exist_ok=True)
        self.started = time.monotonic()
        self.steps = []
        # what the browser showed when a step failed
        self.addOnException(lambda exc_info: self.screenshot('failed'))

    def screenshot(self, name):
        """Save the step's screenshot; note when the step ended."""
        path = self.output / ('%s.png' % name)
        self.browser.save_screenshot(str(path))
        self.steps.append((name, time.monotonic() - self.started))
        return path

    def get(self, path):
        self.browser.get(horizon.url(self.sb, path))

    def find(self, css):
        return self.wait.until(ec.visibility_of_element_located(
            (By.CSS_SELECTOR, css)))

    def login(self):
        self.get('/auth/login/')
        self.find('#id_username').send_keys(credentials.DEMO)
        self.find('#id_password').send_keys(credentials.secret(
            self.sb, 'home', credentials.DEMO))
        self.find('#loginBtn').click()
        self.wait.until(ec.url_contains('/project/'))

    def row_action(self, server, action):
        """Open a row action of Project > Compute > Instances: its modal."""
        self.get('/project/instances/')
        row = '#instances__row__%s' % server
        self.find(row + ' .dropdown-toggle').click()
        self.find('#instances__row_%s__action_%s' % (server, action)).click()
        # Horizon shows a loading modal until the form has come
        return self.find('#%s_modal' % action)

    def attach_modal(self, server, provider, project, volume):
        """The attach modal of server, a volume of provider chosen."""
        modal = self.row_action(server, 'mixmatch_attach')
        ui.Select(modal.find_element(By.ID, 'id_service_provider')
                  ).select_by_value(provider)
        ui.Select(self.find('#id_volume_%s' % provider)
                  ).select_by_value('%s/%s' % (project, volume))
        return modal

    def submit(self, modal):
        modal.find_element(By.CSS_SELECTOR, '.modal-footer .btn-primary'
                           ).click()
        self.wait.until(ec.staleness_of(modal))

    def volume_row(self, provider, text):
        """Wait for the row of Volumes across clouds with text in it."""
        self.get('/project/mixmatch_volumes/')
        xpath = ('//table[@id="mixmatch_volumes"]//tr[td[normalize-space()='
                 '"%s"] and contains(., "%s")]' % (provider, text))
        return self.wait.until(ec.visibility_of_element_located(
            (By.XPATH, xpath)))

    @base.alone
    def test_attach_and_detach_in_the_browser(self):
        volume = self.volume('foreign')
        server = self.boot()
        project = self.clients.foreign.get_project_id()

        # 1. log in
        self.login()
        self.screenshot('1-logged-in')

        # 2. attach the foreign volume through the modal; first from a
        # provider that Nova's allow-list leaves out (the same cloud under
        # another id): Nova's refusal is an error message with the reason,
        # no error page, and nothing is attached
        with federation.service_providers(self.sb, [self.name()]) as (
                other,):
            modal = self.attach_modal(server, other, project, volume)
            self.submit(modal)
            refusal = self.find('#main_content .messages .alert-danger').text
            self.assertIn('Unable to attach volume %s of %s: '
                          % (volume, other), refusal)
            self.assertIn(other, refusal.partition(': ')[2])
            self.screenshot('2-refused-attach')
        self.assertEqual({}, self.home_attachments(server))
        self.assertForeignAvailable(volume)
        modal = self.attach_modal(server, foreign.SP_ID, project, volume)
        self.screenshot('2-attach-modal')
        self.submit(modal)

        # 3. in-use in both clouds' APIs
        self.clients.wait_volume('foreign', volume, 'in-use')
        self.assertForeignAttached(server, volume)
        self.screenshot('3-attached')

        # 4. in Volumes across clouds
        row = self.volume_row(foreign.SP_ID, volume)
        self.assertIn('in-use', row.text)
        self.assertIn(server, row.text)
        self.screenshot('4-volumes-across-clouds')

        # 5. detach it
        modal = self.row_action(server, 'mixmatch_detach')
        ui.Select(modal.find_element(By.ID, 'id_volume')
                  ).select_by_value(volume)
        self.screenshot('5-detach-modal')
        self.submit(modal)
        self.clients.wait_volume('foreign', volume, 'available')
        self.assertForeignAvailable(volume)
        row = self.volume_row(foreign.SP_ID, volume)
        self.assertIn('available', row.text)

        # 6. a provider that is down is a row; the page still works
        with federation.service_providers(self.sb, [self.name()],
                                          down=True) as (down,):
            row = self.volume_row(down, 'unavailable:')
            self.assertIn('Unable to establish connection', row.text)
            self.assertIn('available',
                          self.volume_row(foreign.SP_ID, volume).text)
            self.screenshot('6-provider-down')
            self.get('/project/mixmatch_quota/')
            self.find('#mixmatch_quota')
            self.assertIn('partial: 1 unavailable',
                          self.browser.page_source)
            self.screenshot('6-quota-provider-down')
        print('browser test: %.1f s (%s); screenshots in %s' % (
            time.monotonic() - self.started,
            ', '.join('%s at %.1f s' % step for step in self.steps),
            self.output))
