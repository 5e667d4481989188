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

"""Keystone v3 calls that deployment makes, each idempotent.

An object that exists is updated where it differs, or left as it is; the
outcome (``created``, ``updated``, ``unchanged``) says which.
"""

import typing
import urllib.parse

from keystoneauth1 import adapter

from mixmatch_deploy import exception

__all__ = ['Keystone', 'CREATED', 'UPDATED', 'UNCHANGED']

CREATED, UPDATED, UNCHANGED = 'created', 'updated', 'unchanged'
Ref = dict[str, typing.Any]


class Keystone:
    """An admin's view of one Keystone.

    :param client: an adapter on its v3 API
        (:func:`mixmatch_deploy.clouds.identity_client`).
    :raises: :class:`~mixmatch_deploy.exception.ConfigureError` for any
        refused call, with Keystone's answer.
    """

    def __init__(self, client: adapter.Adapter) -> None:
        self.client = client

    def _get(self, path: str) -> Ref | None:
        resp = self.client.get(path, raise_exc=False)
        if resp.status_code == 404:
            return None
        _check(resp)
        return resp.json()

    def put_or_patch(self, path: str, key: str, body: Ref,
                     immutable: typing.Iterable[str] = (),
                     with_changes: typing.Iterable[str] = ()) -> str:
        """Create ``path`` with ``body`` (PUT) or patch what differs.

        :param immutable: fields that cannot change once created: a
            difference there is an error (delete the object first).
        :param with_changes: fields of body sent in every patch (a
            mapping's ``schema_version``, by which Keystone checks the
            rules of the patch).
        :returns: the outcome.
        """
        found = self._get(path)
        if found is None:
            _check(self.client.put(path, json={key: body}, raise_exc=False))
            return CREATED
        found = found[key]
        for k in immutable:
            if k in body and found.get(k) != body[k]:
                raise exception.ConfigureError(
                    '%s exists with %s=%s (wanted %s); it cannot change: '
                    'delete it first' % (path, k, found.get(k), body[k]))
        changes = {k: v for k, v in body.items()
                   if k not in immutable and found.get(k) != v}
        if not changes:
            return UNCHANGED
        changes.update((k, body[k]) for k in with_changes if k in body)
        _check(self.client.patch(path, json={key: changes}, raise_exc=False))
        return UPDATED

    def ensure_named(self, collection: str, name: str,
                     attrs: typing.Mapping[str, typing.Any],
                     create: typing.Mapping[str, typing.Any] | None = None
                     ) -> tuple[Ref, str]:
        """The object of ``collection`` with ``name`` and ``attrs``.

        :param create: attributes set only when it is made (a password,
            say: a new one would revoke the user's tokens).
        :returns: (the object, ``created`` or ``unchanged``).
        """
        query = dict(attrs, name=name)
        found = self._get('/%s?%s' % (collection, urllib.parse.urlencode(
            sorted(query.items()))))[collection]
        if found:
            return found[0], UNCHANGED
        resp = self.client.post('/' + collection, raise_exc=False,
                                json={collection[:-1]: dict(create or {},
                                                            **query)})
        _check(resp)
        return resp.json()[collection[:-1]], CREATED

    def role_id(self, name: str) -> str:
        """The id of role ``name``, made if missing."""
        return self.ensure_named('roles', name, {})[0]['id']

    def grant(self, project_id: str, user_id: str, role_id: str) -> None:
        """Give a user a role on a project (PUT: idempotent)."""
        _check(self.client.put('/projects/%s/users/%s/roles/%s' % (
            project_id, user_id, role_id), raise_exc=False))

    def grant_inherited(self, domain_id: str, group_id: str,
                        role_id: str) -> None:
        """Give a group a role on every project of a domain (PUT)."""
        _check(self.client.put(
            '/OS-INHERIT/domains/%s/groups/%s/roles/%s/inherited_to_projects'
            % (domain_id, group_id, role_id), raise_exc=False))

    def ensure_endpoint(self, service_type: str, name: str, url: str,
                        region: str,
                        interfaces: typing.Iterable[str] = ('public',)
                        ) -> str:
        """The service of ``service_type``, with ``url`` at each interface.

        :returns: the outcome.
        """
        service, outcome = self.ensure_named('services', name,
                                             {'type': service_type})
        for interface in interfaces:
            query = urllib.parse.urlencode({'service_id': service['id'],
                                            'interface': interface,
                                            'region_id': region})
            found = self._get('/endpoints?' + query)['endpoints']
            if not found:
                _check(self.client.post('/endpoints', raise_exc=False, json={
                    'endpoint': {'service_id': service['id'], 'url': url,
                                 'interface': interface,
                                 'region_id': region}}))
                outcome = CREATED
            elif found[0]['url'] != url:
                _check(self.client.patch(
                    '/endpoints/%s' % found[0]['id'], raise_exc=False,
                    json={'endpoint': {'url': url}}))
                outcome = UPDATED if outcome == UNCHANGED else outcome
        return outcome


def _check(resp) -> None:
    if resp.status_code >= 400:
        raise exception.ConfigureError('%s %s: %d %s' % (
            resp.request.method, resp.url, resp.status_code,
            resp.text[:500]))
