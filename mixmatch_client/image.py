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

"""``openstack mixmatch image list``: the images the user sees in every
cloud."""

from osc_lib.command import command

from mixmatch_client import clouds

COLUMNS = ('ID', 'Name', 'Status', 'Size', 'Visibility', 'Provider',
           'Project')


def list_images(scope):
    """The images a scope's project sees, as Glance v2 lists them."""
    return scope.image().get('/v2/images').json()['images']


def rows(outcomes):
    """One row per image; a cloud that did not answer is a row too."""
    for outcome in outcomes:
        scope = outcome.scope
        where = {'Provider': outcome.provider,
                 'Project': scope.project_name if scope else ''}
        if outcome.error:
            yield tuple(where.get(c, 'unavailable: %s' % outcome.error
                                  if c == 'Status' else '') for c in COLUMNS)
            continue
        for image in outcome.value:
            fields = dict(where, ID=image['id'], Name=image.get('name'),
                          Status=image['status'], Size=image.get('size'),
                          Visibility=image.get('visibility'))
            yield tuple(fields[c] for c in COLUMNS)


class ListImage(command.Lister):
    """List the images you see in the home cloud and every service provider.

    As "openstack mixmatch volume list": the service providers your home
    token lists, in parallel, by Keystone-to-Keystone, in each project you
    have there; a cloud that does not answer is listed as unavailable,
    with the reason. Boot from one with "nova boot --image <ID>
    --image-service-provider <Provider>".
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        clouds.add_service_provider_option(
            parser, 'List only the images of this service provider, not those '
            'of the home cloud (repeat option to list several '
            'service providers)')
        return parser

    def take_action(self, parsed_args):
        outcomes = self.app.client_manager.mixmatch.query(
            list_images, parsed_args.service_providers)
        return COLUMNS, rows(outcomes)
