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

from unittest import mock

import fixtures
from novaclient import api_versions
from novaclient import base as novaclient_base
from novaclient import client as novaclient_client
from novaclient import extension
from novaclient import shell
from novaclient.v2 import shell as v2_shell
from novaclient.v2 import volumes

from mixmatch_client import novaclient_extension
from tests.unit import base

VERSION = api_versions.APIVersion('2.79')


class _ShellTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        # novaclient keeps hooks and arguments globally: restore them.
        self.useFixture(fixtures.MonkeyPatch(
            'novaclient.base.HookableMixin._hooks_map', {}))
        self.useFixture(fixtures.MonkeyPatch(
            'novaclient.v2.shell.do_volume_attach.arguments',
            list(v2_shell.do_volume_attach.arguments)))
        self.useFixture(fixtures.MonkeyPatch(
            'novaclient.v2.shell.do_boot.arguments',
            list(v2_shell.do_boot.arguments)))
        self.useFixture(fixtures.MonkeyPatch(
            'novaclient.v2.shell._find_image', v2_shell._find_image))

    def _parse(self, *argv):
        nova = shell.OpenStackComputeShell()
        nova.extensions = [extension.Extension('mixmatch',
                                               novaclient_extension)]
        nova._run_extension_hooks('__pre_parse_args__')
        parser = nova.get_subcommand_parser(VERSION, do_help=False,
                                            argv=list(argv))
        args = parser.parse_args(list(argv))
        nova._run_extension_hooks('__post_parse_args__', args)
        return args


class NovaclientExtensionTest(_ShellTestCase):

    def _attach_body(self):
        api = mock.Mock(api_version=VERSION)
        api.client.post.return_value = (mock.Mock(), {
            'volumeAttachment': {'id': 'vol'}})
        volumes.VolumeManager(api).create_server_volume('srv', 'vol')
        return api.client.post.call_args[1]['body']['volumeAttachment']

    def test_found_by_novaclient(self):
        self.assertIn('mixmatch', [
            e.name for e in novaclient_client.discover_extensions(VERSION)])

    def test_options_reach_the_attach_request(self):
        args = self._parse('volume-attach', 'srv', 'vol',
                           '--service-provider', 'sp1',
                           '--remote-project', 'p1')
        self.assertIs(v2_shell.do_volume_attach, args.func)
        self.assertEqual({'volumeId': 'vol', 'service_provider': 'sp1',
                          'remote_project': 'p1'}, self._attach_body())

    def test_without_options_nothing_changes(self):
        self._parse('volume-attach', 'srv', 'vol')
        self.assertEqual({'volumeId': 'vol'}, self._attach_body())
        self.assertNotIn('modify_body_for_create',
                         novaclient_base.HookableMixin._hooks_map)

    def test_other_requests_are_left_alone(self):
        body = {'server': {'name': 'x'}}
        novaclient_extension.add_fields({'service_provider': 'sp1'}, body)
        self.assertEqual({'server': {'name': 'x'}}, body)


class NovaBootTest(_ShellTestCase):

    def _server_body(self):
        body = {'server': {'name': 'srv', 'imageRef': 'img',
                           'block_device_mapping_v2': [
                               {'source_type': 'volume', 'uuid': 'v1'},
                               {'source_type': 'blank', 'volume_size': 1}]}}
        novaclient_base.Manager.run_hooks('modify_body_for_create', body)
        return body['server']

    def test_options_reach_the_create_request(self):
        args = self._parse(
            'boot', 'srv', '--flavor', '1', '--image', 'img',
            '--image-service-provider', 'sp1', '--image-remote-project', 'p1',
            '--volume-service-provider', 'sp2')
        self.assertIs(v2_shell.do_boot, args.func)
        self.assertEqual({
            'name': 'srv', 'imageRef': 'img',
            'image_service_provider': 'sp1', 'image_remote_project': 'p1',
            'block_device_mapping_v2': [
                {'source_type': 'volume', 'uuid': 'v1',
                 'service_provider': 'sp2'},
                {'source_type': 'blank', 'volume_size': 1}]},
            self._server_body())
        # The foreign image is not looked up in the home Glance.
        cs = mock.Mock()
        self.assertEqual('img', v2_shell._find_image(cs, 'img').id)
        cs.glance.find_image.assert_not_called()

    def test_boot_without_options_changes_nothing(self):
        find_image = v2_shell._find_image
        self._parse('boot', 'srv', '--flavor', '1', '--image', 'img')
        self.assertIs(find_image, v2_shell._find_image)
        self.assertNotIn('modify_body_for_create',
                         novaclient_base.HookableMixin._hooks_map)
