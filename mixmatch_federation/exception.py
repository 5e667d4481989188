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

"""Errors of cross-cloud operations that a user can act on.

Every message is meant for the API user: services answer them as 4xx
with the message, never as a 500.
"""

__all__ = ['MixmatchError', 'ServiceProviderNotFound',
           'RemoteProjectUnavailable', 'RemoteProjectAmbiguous',
           'ForeignAuthFailed']


class MixmatchError(Exception):
    """Base class: ``msg_fmt`` filled with the keyword arguments."""

    msg_fmt = 'Cross-cloud operation failed.'

    def __init__(self, **kwargs: object) -> None:
        self.kwargs = kwargs
        super().__init__(self.msg_fmt % kwargs)


class ServiceProviderNotFound(MixmatchError):
    msg_fmt = ('Service provider %(service_provider)s is unknown or disabled '
               'in the home Keystone.')


class RemoteProjectUnavailable(MixmatchError):
    msg_fmt = ('Project %(project_id)s is not available to you at service '
               'provider %(service_provider)s. Available: %(choices)s.')


class RemoteProjectAmbiguous(MixmatchError):
    msg_fmt = ('You have %(count)d projects at service provider '
               '%(service_provider)s; choose one with remote_project. '
               'Available: %(choices)s.')


class ForeignAuthFailed(MixmatchError):
    msg_fmt = ('Could not authenticate at service provider '
               '%(service_provider)s: %(reason)s')
