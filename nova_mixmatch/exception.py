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

"""Errors of the Nova side of mixmatch.

The errors shared by every side (unknown service provider, remote project
unavailable or ambiguous, authentication failed) are in
:mod:`mixmatch_federation.exception`; these add what only Nova's
configuration decides, and the failure of a call to a foreign service.
"""

from nova import exception as nova_exception

from mixmatch_federation import exception

__all__ = ['NotEnabled', 'ServiceProviderNotAllowed', 'NoHomeIdentity',
           'ForeignImageWithoutRef', 'ForeignBlockDeviceNotVolume',
           'ForeignResourceNotFound', 'ForeignCallFailed']


class NotEnabled(exception.MixmatchError):
    msg_fmt = 'Volumes and images of other clouds are not enabled here.'


class ServiceProviderNotAllowed(exception.MixmatchError):
    msg_fmt = ('Service provider %(service_provider)s is not allowed here. '
               'Allowed: %(allowed)s.')


class NoHomeIdentity(exception.MixmatchError):
    msg_fmt = ('A request without a user token needs the [mixmatch] auth '
               'options, the identity Nova uses at home.')


class ForeignImageWithoutRef(exception.MixmatchError):
    msg_fmt = 'image_service_provider needs an imageRef to boot from.'


class ForeignBlockDeviceNotVolume(exception.MixmatchError):
    msg_fmt = ('Block device %(index)d: service_provider names the cloud of '
               'an existing volume (source_type volume, with its uuid); '
               'got source_type %(source_type)s.')


class ForeignResourceNotFound(exception.MixmatchError):
    msg_fmt = ('No %(kind)s %(resource_id)s visible to you at service '
               'provider %(service_provider)s, project %(project_id)s.')


class ForeignCallFailed(nova_exception.Invalid):
    """A call to a foreign cloud failed through no fault of the request.

    A Nova ``Invalid``: Nova's API answers it with a 400 and this message,
    wherever it comes from, rather than a 500; on a compute host it becomes
    the instance fault.
    """

    msg_fmt = 'Service provider %(service_provider)s failed: %(reason)s'
