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

"""The sandbox's hypervisor: Nova's fake driver, which downloads images.

Nova's fake driver never reads an image, so a boot would pass whichever
Glance (or none) the image came from. This driver, for the sandbox only
(``compute_driver = mixmatch_sandbox.ImageFetchingFakeDriver``, with
the sandbox's nova-compute, :mod:`mixmatch_sandbox.compute`),
fetches the image of every server it spawns from an image (a boot, a
rebuild or evacuation, an unshelve, the destination of a cold migration
or resize, and of a live migration), through Nova's own download path
(``nova.virt.images.fetch``, as the libvirt driver does), checks the
bytes against the image's ``os_hash_value`` and records what it got in
``<instances_path>/<server id>.image.json``: the image id, its hash
algorithm, the hash of the bytes and their size. A mismatch fails the
spawn: the server goes to ERROR with the reason as its fault.

The bytes are the server's disk (``<server id>.disk``) until the server
leaves the host; a snapshot uploads them to the new image, through Nova.
A rescue fetches and checks its rescue image the same way, recorded in
``<server id>.rescue.image.json`` (:func:`record_path`).

A test can hold a build on a host between the scheduler's choice and the
block devices and image (the fault tests break a foreign service then):
while ``<instances_path>/<server name>.hold`` exists, the driver waits
before the build's block devices are connected (``prepare_for_spawn``),
for ``HOLD_TIMEOUT`` seconds at most.
"""

import hashlib
import json
import os
import time

import nova.conf
from nova import exception
from nova.image import glance
from nova.virt import fake
from nova.virt import images

__all__ = ['ImageFetchingFakeDriver', 'record_path', 'hold_path']

CONF = nova.conf.CONF
CHUNK = 1024 * 1024
HOLD_TIMEOUT = 300
HOLD_POLL = 0.2


def record_path(instances_path: str, instance_uuid: str,
                role: str = '') -> str:
    """Where the driver records the image of ``instance_uuid``.

    :param role: ``rescue`` for its rescue image.
    """
    return os.path.join(instances_path, '.'.join(
        filter(None, (instance_uuid, role, 'image.json'))))


def hold_path(instances_path: str, server_name: str) -> str:
    """The file that holds the build of the server named server_name."""
    return os.path.join(instances_path, server_name + '.hold')


def _disk(instance_uuid, role=''):
    return os.path.join(CONF.instances_path, '.'.join(
        filter(None, (instance_uuid, role, 'disk'))))


class ImageFetchingFakeDriver(fake.FakeDriverWithoutFakeNodes):

    def prepare_for_spawn(self, instance):
        hold = hold_path(CONF.instances_path, instance.display_name)
        deadline = time.monotonic() + HOLD_TIMEOUT
        while os.path.exists(hold) and time.monotonic() < deadline:
            time.sleep(HOLD_POLL)
        super().prepare_for_spawn(instance)

    def pre_live_migration(self, context, instance, block_device_info,
                           network_info, disk_info, migrate_data):
        if instance.image_ref:
            self._fetch_and_check(context, instance, instance.image_ref)
        return super().pre_live_migration(
            context, instance, block_device_info, network_info, disk_info,
            migrate_data)

    def rescue(self, context, instance, network_info, image_meta,
               rescue_password, block_device_info, share_info):
        if image_meta.obj_attr_is_set('id'):
            self._fetch_and_check(context, instance, image_meta.id, 'rescue')
        super().rescue(context, instance, network_info, image_meta,
                       rescue_password, block_device_info, share_info)

    def unrescue(self, context, instance):
        super().unrescue(context, instance)
        if os.path.exists(_disk(instance.uuid, 'rescue')):
            os.unlink(_disk(instance.uuid, 'rescue'))

    def snapshot(self, context, instance, image_id, update_task_state):
        super().snapshot(context, instance, image_id, update_task_state)
        path = _disk(instance.uuid)
        if os.path.exists(path):
            with open(path, 'rb') as disk:
                glance.API().update(context, image_id, {
                    'disk_format': 'raw', 'container_format': 'bare'},
                    data=disk)

    def destroy(self, context, instance, network_info, block_device_info=None,
                destroy_disks=True, destroy_secrets=True):
        super().destroy(context, instance, network_info,
                        block_device_info=block_device_info,
                        destroy_disks=destroy_disks,
                        destroy_secrets=destroy_secrets)
        for role in ('', 'rescue'):
            if destroy_disks and os.path.exists(_disk(instance.uuid, role)):
                os.unlink(_disk(instance.uuid, role))

    def spawn(self, context, instance, image_meta, injected_files,
              admin_password, allocations, network_info=None,
              block_device_info=None, power_on=True, accel_info=None):
        if instance.image_ref:
            self._fetch_and_check(context, instance, instance.image_ref)
        super().spawn(context, instance, image_meta, injected_files,
                      admin_password, allocations, network_info=network_info,
                      block_device_info=block_device_info,
                      power_on=power_on, accel_info=accel_info)

    def _fetch_and_check(self, context, instance, image_id, role=''):
        os.makedirs(CONF.instances_path, exist_ok=True)
        path = _disk(instance.uuid, role)
        # The download first, as a real driver's spawn reads nothing else.
        images.fetch(context, image_id, path)
        meta = glance.API().get(context, image_id)
        digest = hashlib.new(meta['os_hash_algo'])
        size = 0
        with open(path, 'rb') as f:
            for chunk in iter(lambda: f.read(CHUNK), b''):
                digest.update(chunk)
                size += len(chunk)
        got = digest.hexdigest()
        with open(record_path(CONF.instances_path, instance.uuid, role),
                  'w') as f:
            json.dump({'image_id': image_id, 'os_hash_algo': meta[
                'os_hash_algo'], 'os_hash_value': got, 'size': size}, f)
        if got != meta['os_hash_value']:
            os.unlink(path)
            raise exception.ImageUnacceptable(
                image_id=image_id,
                reason='its bytes hash to %s, not to its os_hash_value %s'
                       % (got, meta['os_hash_value']))
