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

"""One module per OpenStack service: its configuration and its start, for
any cloud of the sandbox, named by the cloud's name.

Each module writes its service's config files under <dir>/etc/<name>/,
its database schema and its WSGI module (``prepare``, skipped while the
service runs), then starts its processes and waits for them (``start``),
where <name> is ``name(service, cloud)``. A ``transport`` argument is the
cloud's RabbitMQ URL (``Sandbox.transport_url``).
"""

from mixmatch_sandbox import clouds

__all__ = ['MESSAGING', 'name']

#: ``[oslo_messaging_rabbit]`` of every service, as production is told to
#: run oslo.messaging: quorum queues (durable; RabbitMQ 3.8 and later,
#: Debian 12 has 3.10), for the transient reply and fanout queues too. A
#: message sent while its consumer reconnects after a broker restart
#: waits in its queue instead of being dropped. Without use_queue_manager
#: (it names queues by host and process name, and several services here
#: share both) the transient queues of a stopped process expire after
#: rabbit_transient_queues_ttl.
MESSAGING = {'rabbit_quorum_queue': True,
             'rabbit_transient_quorum_queue': True}

# The home cloud's services that kept the bare names they had before a
# second cloud existed.
_BARE_AT_HOME = frozenset(['placement', 'glance', 'neutron', 'nova'])


def name(service: str, cloud: str) -> str:
    """The name of cloud's service: its port, processes, config and logs.

    ``<service>-<cloud>``, but ``<service>`` for the home cloud's
    Placement, Glance, Neutron and Nova.
    """
    if cloud == clouds.HOME and service in _BARE_AT_HOME:
        return service
    return '%s-%s' % (service, cloud)
