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

"""The plugin's views and forms, with Horizon's own test helpers.

The clouds are mocked at the edge of :mod:`mixmatch_dashboard.api`: the
rows come from the same code as the command line's.
"""

import json
from unittest import mock

from django.test.utils import override_settings
from django.urls import reverse
from keystoneauth1 import exceptions as ksa_exceptions
from openstack_dashboard.dashboards.project.instances import (
    tables as instance_tables)
from openstack_dashboard.test import helpers
import requests

from mixmatch_client import clouds
from mixmatch_dashboard import api
from mixmatch_dashboard import instances

INDEX = reverse('horizon:project:mixmatch_volumes:index')
QUOTA = reverse('horizon:project:mixmatch_quota:index')
INSTANCES = reverse('horizon:project:instances:index')
DOWN = 'Unable to establish connection to http://nu/Shibboleth.sso'


def nova_fault(status, message):
    """What keystoneauth raises when Nova answers with a fault."""
    response = requests.Response()
    response.status_code = status
    response.headers['Content-Type'] = 'application/json'
    response._content = json.dumps({'badRequest': {
        'code': status, 'message': message}}).encode()
    return ksa_exceptions.from_response(response, 'POST', 'http://nova')


def scope(provider, project):
    return mock.Mock(provider=provider, project_id=project + '-id',
                     project_name=project)


def volume(volume_id, name, status='available', server=None):
    return {'id': volume_id, 'name': name, 'status': status, 'size': 1,
            'attachments': [{'server_id': server, 'device': '/dev/vdb'}]
            if server else []}


class DashboardTestCase(helpers.TestCase):

    def setUp(self):
        super().setUp()
        self.clouds = mock.Mock(spec=clouds.Clouds)
        patcher = mock.patch.object(api, 'clouds', return_value=self.clouds)
        self.get_clouds = patcher.start()
        self.addCleanup(patcher.stop)

    def answer(self, outcomes):
        """Each query's outcomes, whatever it asks of each scope."""
        self.clouds.query.return_value = outcomes


class VolumesTest(DashboardTestCase):

    def test_every_cloud_and_the_unavailable_one(self):
        self.answer([
            clouds.Outcome(clouds.HOME, scope(clouds.HOME, 'demo'),
                           [volume('h1', 'near', 'in-use', 'srv')]),
            clouds.Outcome('foreign', scope('foreign', 'k2k-demo'),
                           [volume('f1', 'far')]),
            clouds.Outcome('nu', error=DOWN)])
        res = self.client.get(INDEX)
        self.assertTemplateUsed(res, 'horizon/common/_data_table_view.html')
        rows = [(r['ID'], r['Name'], r['Status'], r['Attached to'],
                 r['Provider'], r['Project'])
                for r in res.context['table'].data]
        self.assertEqual([
            ('h1', 'near', 'in-use', 'Attached to srv on /dev/vdb',
             clouds.HOME, 'demo'),
            ('f1', 'far', 'available', '', 'foreign', 'k2k-demo'),
            ('', '', 'unavailable: ' + DOWN, '', 'nu', '')], rows)
        self.assertContains(res, 'unavailable: ' + DOWN, count=2)
        self.assertMessageCount(res, warning=1)
        # every provider the user's token lists
        self.clouds.query.assert_called_once_with(
            api.mm_volume.list_volumes)

    def test_home_cloud_down_is_a_message(self):
        self.clouds.query.side_effect = ksa_exceptions.ConnectFailure(
            'Unable to establish connection to http://home/v3: refused')
        res = self.client.get(INDEX)
        self.assertEqual(200, res.status_code)
        self.assertEqual([], res.context['table'].data)
        self.assertMessageCount(res, error=1)


class QuotaTest(DashboardTestCase):

    def test_rows_and_total(self):
        usage = {'volumes': (1, 10), 'gigabytes': (1, 1000),
                 'snapshots': (0, 10)}
        self.answer([
            clouds.Outcome(clouds.HOME, scope(clouds.HOME, 'demo'), usage),
            clouds.Outcome('foreign', scope('foreign', 'k2k-demo'), usage),
            clouds.Outcome('nu', error=DOWN)])
        res = self.client.get(QUOTA)
        rows = [(r['Provider'], r['Volumes'], r['Volumes Limit'],
                 r['Gigabytes'], r['Status'])
                for r in res.context['table'].data]
        self.assertEqual([
            (clouds.HOME, 1, 10, 1, 'available'),
            ('foreign', 1, 10, 1, 'available'),
            ('nu', None, None, None, 'unavailable: ' + DOWN),
            ('total', 2, 20, 2, 'partial: 1 unavailable')], rows)
        self.assertMessageCount(res, warning=1)


class AttachTest(DashboardTestCase):

    def setUp(self):
        super().setUp()
        self.server = self.servers.first()
        self.url = reverse('horizon:project:mixmatch_volumes:attach',
                           args=[self.server.id])
        self.answer([
            clouds.Outcome(clouds.HOME, scope(clouds.HOME, 'demo'),
                           [volume('h1', 'near')]),
            clouds.Outcome('foreign', scope('foreign', 'k2k-demo'),
                           [volume('f1', 'far')]),
            clouds.Outcome('foreign', scope('foreign', 'k2k-other'),
                           [volume('f2', 'far2')]),
            clouds.Outcome('nu', error=DOWN)])

    def test_modal_offers_the_volumes_of_each_provider(self):
        res = self.client.get(self.url)
        self.assertTemplateUsed(res, 'mixmatch_dashboard/attach.html')
        form = res.context['form']
        self.assertEqual([('foreign', 'foreign')],
                         form.fields['service_provider'].choices)
        # grouped by the user's projects there; home volumes are not
        # foreign
        self.assertEqual([
            ('k2k-demo', [('k2k-demo-id/f1', 'far (f1, 1 GiB)')]),
            ('k2k-other', [('k2k-other-id/f2', 'far2 (f2, 1 GiB)')])],
            form.fields['volume_foreign'].choices)
        self.assertNotIn('volume_nu', form.fields)
        # only available volumes are asked for
        self.assertEqual({'status': 'available'},
                         self.clouds.query.call_args.args[0].keywords[
                             'filters'])
        self.assertMessageCount(res, warning=1)

    def post(self, **data):
        return self.client.post(self.url, dict(
            {'instance_id': self.server.id, 'service_provider': 'foreign',
             'volume_foreign': 'k2k-other-id/f2'}, **data))

    @mock.patch.object(api, 'attach')
    def test_attach(self, attach):
        res = self.post()
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INSTANCES)
        attach.assert_called_once_with(mock.ANY, self.server.id, 'foreign',
                                       'k2k-other-id', 'f2')

    @mock.patch.object(api, 'attach')
    def test_refused_attach_is_a_message(self, attach):
        attach.side_effect = nova_fault(
            400, 'Remote project k2k-other-id not available at foreign')
        res = self.post()
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)
        self.assertContains(res, 'Remote project k2k-other-id not available '
                                 'at foreign')
        self.assertTemplateUsed(res, 'mixmatch_dashboard/attach.html')

    @mock.patch.object(api, 'attach')
    def test_no_volume_chosen(self, attach):
        res = self.post(volume_foreign='')
        self.assertFormErrors(res, 1, 'Choose a volume at foreign.')
        attach.assert_not_called()

    @mock.patch.object(api, 'attach')
    def test_volume_no_longer_available(self, attach):
        res = self.post(volume_foreign='k2k-demo-id/gone')
        self.assertFormErrors(res, 1, 'Select a valid choice. '
                                      'k2k-demo-id/gone is not one of the '
                                      'available choices.')
        attach.assert_not_called()

    @mock.patch.object(api, 'attach')
    def test_provider_without_volume(self, attach):
        self.answer([clouds.Outcome('foreign', scope('foreign', 'k2k-demo'),
                                    [])])
        res = self.post(volume_foreign='')
        self.assertFormErrors(res, 1, 'No volume of yours is available at '
                                      'foreign.')
        attach.assert_not_called()

    @mock.patch.object(api, 'attach')
    def test_unknown_provider_is_refused(self, attach):
        res = self.post(service_provider='nu')
        self.assertFormErrors(res, 1)
        attach.assert_not_called()

    def test_home_cloud_down(self):
        self.clouds.query.side_effect = ksa_exceptions.ConnectFailure(
            'Unable to establish connection to http://home/v3')
        res = self.client.get(self.url)
        self.assertEqual(200, res.status_code)
        self.assertEqual([], res.context['form'].fields[
            'service_provider'].choices)
        self.assertMessageCount(res, error=1)


class DetachTest(DashboardTestCase):

    def setUp(self):
        super().setUp()
        self.server = self.servers.first()
        self.url = reverse('horizon:project:mixmatch_volumes:detach',
                           args=[self.server.id])

    @mock.patch.object(api, 'server_volumes')
    def test_modal_lists_the_server_volumes(self, server_volumes):
        server_volumes.return_value = [('h1', '/dev/vdb', clouds.HOME),
                                       ('f1', '/dev/vdc', 'foreign')]
        res = self.client.get(self.url)
        self.assertEqual([('h1', 'h1 on /dev/vdb ((home))'),
                          ('f1', 'f1 on /dev/vdc (foreign)')],
                         res.context['form'].fields['volume'].choices)
        server_volumes.assert_called_once_with(mock.ANY, self.server.id)

    @mock.patch.object(api, 'detach')
    @mock.patch.object(api, 'server_volumes')
    def test_detach(self, server_volumes, detach):
        server_volumes.return_value = [('f1', '/dev/vdc', 'foreign')]
        res = self.client.post(self.url, {'instance_id': self.server.id,
                                          'volume': 'f1'})
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INSTANCES)
        detach.assert_called_once_with(mock.ANY, self.server.id, 'f1')

    @mock.patch.object(api, 'detach')
    @mock.patch.object(api, 'server_volumes')
    def test_provider_down_during_detach(self, server_volumes, detach):
        server_volumes.return_value = [('f1', '/dev/vdc', 'foreign')]
        detach.side_effect = nova_fault(
            400, 'Service provider foreign is unreachable')
        res = self.client.post(self.url, {'instance_id': self.server.id,
                                          'volume': 'f1'})
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)
        self.assertContains(res, 'Service provider foreign is unreachable')


class ApiTest(DashboardTestCase):

    def test_server_volumes_names_each_provider(self):
        compute = mock.Mock()
        compute.get.return_value.json.return_value = {'volumeAttachments': [
            {'volumeId': 'h1', 'device': '/dev/vdb'},
            {'volumeId': 'f1', 'device': '/dev/vdc'},
            {'volumeId': 'lost', 'device': '/dev/vdd'}]}

        def query(func, service_providers=None, home=None):
            found = {clouds.HOME: [volume('h1', 'near')],
                     'foreign': [volume('f1', 'far')]}
            providers = [clouds.HOME] if home else ['foreign']
            with mock.patch.object(
                    api.mm_volume, 'list_volumes',
                    side_effect=lambda scope: found[scope.provider]):
                return [clouds.Outcome(p, scope(p, 'demo'),
                                       func(scope(p, 'demo')))
                        for p in providers]
        self.clouds.query.side_effect = query
        with mock.patch.object(api, '_compute', return_value=compute):
            self.assertEqual(
                [('h1', '/dev/vdb', clouds.HOME),
                 ('f1', '/dev/vdc', 'foreign'),
                 ('lost', '/dev/vdd', 'unknown')],
                api.server_volumes(self.request, 'srv'))
        compute.get.assert_called_once_with(
            '/servers/srv/os-volume_attachments')

    def test_attach_names_the_provider_and_project(self):
        compute = mock.Mock()
        with mock.patch.object(api, '_compute', return_value=compute):
            api.attach(self.request, 'srv', 'foreign', 'p1', 'f1')
        compute.post.assert_called_once_with(
            '/servers/srv/os-volume_attachments',
            json={'volumeAttachment': {'volumeId': 'f1',
                                       'service_provider': 'foreign',
                                       'remote_project': 'p1'}})


class CloudsTest(helpers.TestCase):

    def test_clouds_of_the_user_token(self):
        mixmatch = api.clouds(self.request)
        auth = mixmatch._home.auth
        self.assertEqual((self.request.user.endpoint, self.token.id,
                          self.request.user.project_id),
                         (auth.auth_url, auth.auth_methods[0].token,
                          auth.project_id))
        self.assertIs(True, mixmatch._home.verify)

    @override_settings(OPENSTACK_SSL_CACERT='/etc/ca.pem')
    def test_tls_settings_of_horizon(self):
        self.assertEqual('/etc/ca.pem', api.clouds(self.request)._home.verify)


class InstanceActionsTest(helpers.TestCase):

    def test_row_actions_of_instances(self):
        table = instance_tables.InstancesTable
        actions = list(table._meta.row_actions)
        self.assertEqual(
            [instance_tables.DetachVolume, instances.AttachForeignVolume,
             instances.DetachForeignVolume],
            actions[actions.index(instance_tables.DetachVolume):][:3])
        self.assertIsInstance(table.base_actions['mixmatch_attach'],
                              instances.AttachForeignVolume)
        instances.add_row_actions()   # idempotent
        self.assertEqual(actions, list(table._meta.row_actions))

    def test_allowed_on_an_active_server_only(self):
        server = self.servers.first()
        for action in (instances.AttachForeignVolume(),
                       instances.DetachForeignVolume()):
            for status, allowed in (('ACTIVE', True), ('SHUTOFF', False),
                                    ('ERROR', False)):
                server.status = status
                self.assertEqual(allowed,
                                 action.allowed(self.request, server),
                                 (action.name, status))
