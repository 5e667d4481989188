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

"""The admin credentials of a deployment step: clouds.yaml or the usual
``--os-*`` options and ``OS_*`` variables, through openstacksdk's config.

openstacksdk is imported only when a Keystone step needs it: the config
file steps run where it is not installed.
"""

import argparse
import typing

from keystoneauth1 import adapter

__all__ = ['register_arguments', 'identity_client']


def register_arguments(parser: argparse.ArgumentParser,
                       argv: typing.Sequence[str]) -> None:
    """Add the ``--os-*`` options, where openstacksdk is installed."""
    try:
        import openstack.config
    except ImportError:  # only the Keystone subcommands need it
        return
    openstack.config.OpenStackConfig().register_argparse_arguments(
        parser, list(argv))


def identity_client(args: argparse.Namespace | None = None,
                    cloud: str | None = None,
                    config_files: typing.Sequence[str] | None = None
                    ) -> adapter.Adapter:
    """A keystoneauth Adapter on the Keystone v3 API of a cloud.

    :param args: parsed ``--os-*`` arguments.
    :param cloud: or the clouds.yaml entry of that name.
    :param config_files: clouds.yaml paths instead of the usual ones.
    """
    import openstack.config
    region = openstack.config.OpenStackConfig(
        config_files=config_files).get_one(cloud=cloud, argparse=args)
    return adapter.Adapter(
        region.get_session(), service_type='identity', version='3',
        interface=region.get_interface('identity'),
        region_name=region.get_region_name('identity'))
