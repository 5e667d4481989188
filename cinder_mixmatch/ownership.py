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

"""What a home cloud's Nova may clean up at this provider, and when.

A home Nova finishes the work its users' tokens can no longer do (a
server deleted while this cloud was down, a detach or the rollback of an
attach that never reached it) as *itself*: a federated identity of that
home holding the service role, which the default mapping gives no member
role. It may act only on what its own servers held, as the attachment
connectors say (:data:`mixmatch_federation.connector.HOME_KEY`, set from
the caller's federated identity provider, never from the request).

Pure decisions, so that they are tested without Cinder;
``cinder_mixmatch.extension`` applies them.
"""

import collections.abc

__all__ = ['Refused', 'NotOwner', 'WrongState', 'check_release',
           'check_roll_detaching', 'check_delete']


class Refused(Exception):
    """The request is refused; ``code`` is its HTTP status."""

    code = 403


class NotOwner(Refused):
    code = 403


class WrongState(Refused):
    code = 409


def _check_caller(caller_home: str | None) -> None:
    if caller_home is None:
        raise NotOwner('Only the Nova of a home cloud (a federated identity '
                       'from a configured home cloud) may do this.')


def check_release(caller_home: str | None, attachment_home: str | None,
                  attachment_id: str) -> None:
    """May ``caller_home``'s Nova release (delete) this attachment?

    :raises: NotOwner unless the attachment's connector names the
        caller's home cloud.
    """
    _check_caller(caller_home)
    if attachment_home != caller_home:
        raise NotOwner('Attachment %s does not belong to a server of cloud '
                       '%s.' % (attachment_id, caller_home))


def check_roll_detaching(caller_home: str | None, volume_id: str,
                         status: str,
                         homes: collections.abc.Iterable[str | None]
                         ) -> None:
    """May ``caller_home``'s Nova put a ``detaching`` volume back in use?

    :param homes: the home clouds of the volume's attachments.
    :raises: NotOwner unless every attachment of the volume belongs to the
        caller's cloud; WrongState unless the volume is ``detaching``.
    """
    _check_caller(caller_home)
    homes = set(homes)
    if not homes or homes != {caller_home}:
        raise NotOwner('Volume %s is not attached to servers of cloud %s '
                       'only.' % (volume_id, caller_home))
    if status != 'detaching':
        raise WrongState('Volume %s is %s, not detaching.'
                         % (volume_id, status))


def check_delete(caller_home: str | None, caller_project: str,
                 volume_id: str, volume_project: str, status: str,
                 homes_ever: collections.abc.Iterable[str | None]) -> None:
    """May ``caller_home``'s Nova delete this volume?

    What a server was told to delete on its termination: an ``available``
    volume of the caller's project that a server of the caller's cloud
    held.

    :param homes_ever: the home clouds of every attachment the volume ever
        had, deleted ones included.
    :raises: NotOwner or WrongState.
    """
    _check_caller(caller_home)
    if volume_project != caller_project or caller_home not in set(
            homes_ever):
        raise NotOwner('Volume %s was never attached to a server of cloud '
                       '%s in this project.' % (volume_id, caller_home))
    if status != 'available':
        raise WrongState('Volume %s is %s, not available.'
                         % (volume_id, status))
