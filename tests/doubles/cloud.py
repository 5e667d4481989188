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

"""HTTP double of a home Keystone (K2K IdP) and foreign Keystone+Cinder.

One server on 127.0.0.1 serves the home Keystone under ``/home`` and its
Cinder under ``/home/volume`` and, per service provider, its Keystone and
Shibboleth ECP endpoint under ``/<sp>``, its Cinder under ``/<sp>/volume``
and the image reads of its Glance under ``/<sp>/image`` (the home cloud's
under ``/home/image``),
speaking the wire protocol of keystoneauth1
and python-cinderclient with real state and token checks. SAML assertions are
opaque unsigned ids and Cinder has no backend: a double, not a cloud.
"""

import collections
import copy
import datetime
import hashlib
import http.cookies
import http.server
import json
import socket
import ssl
import threading
import urllib.parse
import uuid
from xml.etree import ElementTree
from xml.sax import saxutils

import fixtures
from requests import structures

IDP_ID = 'idp'
SAML = 'urn:oasis:names:tc:SAML:2.0:'
FED_AUTH = ('v3', 'OS-FEDERATION', 'identity_providers', IDP_ID, 'protocols',
            'saml2', 'auth')
ECP_PATH = ('Shibboleth.sso', 'SAML2', 'ECP')
CINDER_MAX = (3, 71)
CINDER_ERRORS = {400: 'badRequest', 404: 'itemNotFound', 406: 'notAcceptable'}
#: Cinder's default volume quota limits
QUOTA_LIMITS = {'volumes': 10, 'gigabytes': 1000, 'snapshots': 10}
DOMAIN = {'id': 'default', 'name': 'Default'}
UNAUTHORIZED = 'The request you have made requires authentication.'
ECP_ENVELOPE = (
    '<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/">'
    '<S:Header><ecp:RelayState xmlns:ecp="{saml}profiles:SSO:ecp" '
    'S:mustUnderstand="1" S:actor="http://schemas.xmlsoap.org/soap/actor/next"'
    '>ss:mem:{relay}</ecp:RelayState></S:Header><S:Body><samlp:Response '
    'xmlns:samlp="{saml}protocol" xmlns:saml="{saml}assertion" ID="_{relay}" '
    'Version="2.0" Destination="{dest}"><saml:Issuer>{issuer}</saml:Issuer>'
    '<saml:Assertion ID="{aid}" Version="2.0"><saml:Issuer>{issuer}'
    '</saml:Issuer><saml:Subject><saml:NameID>{user}</saml:NameID>'
    '</saml:Subject></saml:Assertion></samlp:Response></S:Body></S:Envelope>')

_Request = collections.namedtuple('Request', 'method rest query headers raw')


class _Error(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _iso(when):
    return when.strftime('%Y-%m-%dT%H:%M:%S.%fZ')


def _json(raw):
    try:
        return json.loads(raw or b'{}')
    except ValueError:
        raise _Error(400, 'Malformed request body')


def _serve(server):
    """Accept until the listening socket is shut down.

    Unlike socketserver's selector loop, socket.accept() also yields under
    eventlet, which Nova's functional tests run with.
    """
    while True:
        try:
            request, address = server.socket.accept()
        except ssl.SSLError:
            continue  # a client that refused our certificate
        except OSError:
            return
        server.process_request(request, address)


class CloudDouble(fixtures.Fixture):
    """A home Keystone (IdP) plus one Keystone+Cinder per service provider.

    ``requests`` records ``(server_part, method, path_with_query, headers)``
    of every request; server_part is the server's URL prefix: ``home``,
    ``<sp>`` (Keystone and Shibboleth), ``<sp>/volume`` (Cinder) or
    ``<sp>/image`` (Glance); headers
    is case-insensitive.
    """

    def __init__(self, service_providers=('sp1',), token_ttl=3600,
                 ssl_context=None,
                 cinder_types=('block-storage', 'volumev3'),
                 sp_token_ttl=None):
        """With ``ssl_context`` (server side), every part speaks HTTPS.

        ``cinder_types``: the service types of Cinder in every catalog.
        Tokens live ``token_ttl`` seconds, those of the service providers
        ``sp_token_ttl`` if given.
        """
        super().__init__()
        self._sp_ids = tuple(service_providers)
        self._cinder_types = tuple(cinder_types)
        self._token_ttl = token_ttl
        self._sp_token_ttl = sp_token_ttl or token_ttl
        self._ssl_context = ssl_context

    def _setUp(self):
        self._lock = threading.RLock()
        self.ecp_exchanges = collections.Counter()
        self.requests = []
        self._users = {}       # home user id -> project_id, roles, password
        self._tokens = {}      # token id -> record; its realm is the issuer
        self._assertions = {}  # assertion id -> issued, not yet consumed
        self._sessions = {}    # (sp, Shibboleth session id) -> assertion
        self._remote = {sp: collections.defaultdict(set)
                        for sp in self._sp_ids}
        self._enabled = set(self._sp_ids)
        self._down = set()     # (sp or 'home', 'keystone' or 'cinder')
        clouds = ('home',) + self._sp_ids
        self._volumes = {cloud: {} for cloud in clouds}
        self._attachments = {cloud: {} for cloud in clouds}
        self._images = {cloud: {} for cloud in clouds}
        server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
        server.block_on_close = False
        server.cloud = self
        scheme = 'http'
        if self._ssl_context is not None:
            server.socket = self._ssl_context.wrap_socket(
                server.socket, server_side=True)
            scheme = 'https'
        self._root = '%s://127.0.0.1:%d' % (scheme, server.server_port)
        self.home_auth_url = self._root + '/home/v3'
        threading.Thread(target=_serve, args=(server,), daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.socket.shutdown, socket.SHUT_RDWR)

    def sp_auth_url(self, sp_id):
        return '%s/%s/v3' % (self._root, sp_id)

    def cinder_url(self, sp_id):
        return '%s/%s/volume/' % (self._root, sp_id)

    def add_user(self, user_id, project_id, roles=('member',), password=None):
        """Register a home user; return a home token scoped to its project."""
        with self._lock:
            self._users[user_id] = dict(project_id=project_id,
                                        roles=list(roles), password=password)
            return self._issue('home', user_id, user_id, project_id,
                               list(roles), ['password'])

    def add_remote_project(self, sp_id, home_user_id, project_id):
        """Also let the home user's federated user scope to project_id."""
        with self._lock:
            self._remote[sp_id][home_user_id].add(project_id)

    def create_volume(self, sp_id, project_id, size=1, name=None,
                      multiattach=False, bootable=False):
        vol_id = str(uuid.uuid4())
        with self._lock:
            self._volumes[sp_id][vol_id] = dict(
                id=vol_id, project_id=project_id, size=size, name=name,
                multiattach=multiattach, status='available',
                attach_status='detached', created_at=_iso(_now()),
                bootable=bootable)
        return vol_id

    def glance_url(self, sp_id):
        return '%s/%s/image' % (self._root, sp_id)

    def create_image(self, sp_id, owner, visibility='private', data=b'x',
                     name=None):
        """An active image of ``owner`` at ``sp_id``; returns its id."""
        image_id = str(uuid.uuid4())
        with self._lock:
            self._images[sp_id][image_id] = dict(
                id=image_id, name=name or 'image-' + image_id[:8],
                owner=owner,
                visibility=visibility, status='active', size=len(data),
                disk_format='raw', container_format='bare', min_ram=0,
                min_disk=0, protected=False, tags=[],
                os_hash_algo='sha512',
                os_hash_value=hashlib.sha512(data).hexdigest(),
                checksum=hashlib.md5(data, usedforsecurity=False).hexdigest(),
                created_at=_iso(_now()), updated_at=_iso(_now()))
        return image_id

    def volume(self, sp_id, volume_id):
        """The volume as an admin sees it over the API, plus attach_status."""
        with self._lock:
            vol = self._volumes[sp_id][volume_id]
            return dict(self._volume_view(sp_id, vol, CINDER_MAX, True),
                        attach_status=vol['attach_status'])

    def attachments(self, sp_id):
        with self._lock:
            return copy.deepcopy(self._attachments[sp_id])

    def set_down(self, sp_id, keystone=None, cinder=None, glance=None):
        """Make parts of a cloud answer 503; sp_id 'home' is the IdP."""
        with self._lock:
            for part, down in (('keystone', keystone), ('cinder', cinder),
                               ('glance', glance)):
                if down is not None:
                    (self._down.add if down else self._down.discard)(
                        (sp_id, part))

    def disable_service_provider(self, sp_id):
        with self._lock:
            self._enabled.discard(sp_id)

    def issuer(self, token):
        """The cloud that issued ``token`` ('home' or a service provider).

        Nova's noauth ``USER:PROJECT`` tokens are home tokens; None for a
        token nobody issued.
        """
        with self._lock:
            if token in self._tokens:
                return self._tokens[token]['realm']
        user, _, project = (token or '').partition(':')
        return 'home' if user and project else None

    def revoke_sp_tokens(self, sp_id):
        with self._lock:
            self._tokens = {t: r for t, r in self._tokens.items()
                            if r['realm'] != sp_id}

    # Keystone.

    def _issue(self, realm, user_id, user_name, project_id, roles, methods,
               home_user=None, home_project=None):
        tid, now = uuid.uuid4().hex, _now()
        self._tokens[tid] = dict(
            realm=realm, user_id=user_id, user_name=user_name, roles=roles,
            project_id=project_id, methods=methods, issued_at=now,
            expires_at=now + datetime.timedelta(seconds=(
                self._token_ttl if realm == 'home' else self._sp_token_ttl)),
            home_user=home_user, home_project=home_project)
        return tid

    def _token(self, realm, tid):
        tok = self._tokens.get(tid)
        user, _, project = (tid or '').partition(':')
        if not tok and realm == 'home' and user and project and (
                ':' not in project):  # Nova's noauth 'USER:PROJECT' token
            return dict(user_id=user, project_id=project, roles=['member'])
        if not tok or tok['realm'] != realm or tok['expires_at'] <= _now():
            raise _Error(401, UNAUTHORIZED)
        return tok

    def _base(self, realm):
        return '%s/%s' % (self._root, realm)

    def _url(self, realm, path):
        return '/'.join((self._base(realm),) + path)

    def _token_response(self, realm, tid):
        tok = self._tokens[tid]
        user = {'id': tok['user_id'], 'name': tok['user_name'],
                'domain': DOMAIN, 'password_expires_at': None}
        body = {'methods': tok['methods'], 'user': user, 'is_domain': False,
                'audit_ids': [tid[:22]], 'issued_at': _iso(tok['issued_at']),
                'expires_at': _iso(tok['expires_at'])}
        if realm == 'home':
            body['service_providers'] = [
                {'id': sp, 'auth_url': self._url(sp, FED_AUTH),
                 'sp_url': self._url(sp, ECP_PATH)}
                for sp in sorted(self._enabled)]
        else:
            user['domain'] = {'id': 'Federated', 'name': 'Federated'}
            user['OS-FEDERATION'] = {'identity_provider': {'id': IDP_ID},
                                     'protocol': {'id': 'saml2'}, 'groups': []}
        if tok['project_id']:
            body['project'] = {'id': tok['project_id'], 'domain': DOMAIN,
                               'name': tok['project_id']}
            body['roles'] = [{'id': r, 'name': r} for r in tok['roles']]
            url = '%sv3/%s' % (self.cinder_url(realm), tok['project_id'])
            services = dict({'identity': self._base(realm)},
                            **dict.fromkeys(self._cinder_types, url))
            services['image'] = self.glance_url(realm)
            body['catalog'] = [{
                'type': stype, 'name': stype,
                'id': uuid.uuid5(uuid.NAMESPACE_URL, stype).hex,
                'endpoints': [{
                    'id': uuid.uuid5(uuid.NAMESPACE_URL, stype + url).hex,
                    'interface': 'public', 'url': url, 'region': 'RegionOne',
                    'region_id': 'RegionOne'}]}
                for stype, url in services.items()]
        return 201, {'token': body}, {'X-Subject-Token': tid}

    def _versions(self, realm, rest):
        version = {'id': 'v3.14', 'status': 'stable',
                   'updated': '2020-04-07T00:00:00Z',
                   'links': [{'rel': 'self',
                              'href': self._base(realm) + '/v3/'}],
                   'media-types': [{'base': 'application/json', 'type':
                                    'application/vnd.openstack.identity-v3'
                                    '+json'}]}
        if rest:
            return 200, {'version': version}, {}
        return 300, {'versions': {'values': [version]}}, {}

    def _home_keystone(self, realm, req):
        if req.method == 'GET' and req.rest in ((), ('v3',)):
            return self._versions(realm, req.rest)
        auth = _json(req.raw).get('auth', {}) if req.method == 'POST' else {}
        ident, scope = auth.get('identity', {}), auth.get('scope') or {}
        if req.method == 'POST' and req.rest == ('v3', 'auth', 'tokens'):
            if 'password' in ident.get('methods', ()):
                user = ident['password'].get('user', {})
                uid = user.get('id') or user.get('name')
                tok = self._users.get(uid)
                if not tok or not tok['password'] or (
                        tok['password'] != user.get('password')):
                    raise _Error(401, UNAUTHORIZED)
                projects = {tok['project_id']}
            else:
                tok = self._token('home', ident.get('token', {}).get('id'))
                uid = tok['user_id']
                projects = {tok['project_id'],
                            self._users.get(uid, tok)['project_id']}
            project = scope.get('project', {}).get('id')
            if scope and project not in projects:
                raise _Error(401, 'User %s has no access to project %s'
                             % (uid, project))
            return self._token_response('home', self._issue(
                'home', uid, uid, project, tok['roles'], ident['methods']))
        if req.method == 'GET' and req.rest == ('v3', 'auth', 'tokens'):
            self._token('home', req.headers.get('X-Auth-Token'))
            subject = req.headers.get('X-Subject-Token')
            self._token('home', subject)
            return (200,) + self._token_response('home', subject)[1:]
        if req.method == 'POST' and req.rest == (
                'v3', 'auth', 'OS-FEDERATION', 'saml2', 'ecp'):
            tok = self._token('home', ident.get('token', {}).get('id'))
            sp = scope.get('service_provider', {}).get('id')
            if sp not in self._enabled:
                raise _Error(404, 'Could not find service provider: %s' % sp)
            if not tok['project_id']:
                raise _Error(403, 'Use a project scoped token when attempting '
                                  'to create a SAML assertion')
            aid = '_' + uuid.uuid4().hex
            self._assertions[aid] = dict(sp=sp, user=tok['user_id'],
                                         project=tok['project_id'],
                                         roles=list(tok['roles']))
            self.ecp_exchanges[sp] += 1
            return 200, ECP_ENVELOPE.format(
                saml=SAML, relay=uuid.uuid4().hex, aid=aid,
                issuer=self.home_auth_url,
                user=saxutils.escape(tok['user_id']),
                dest=self._url(sp, ECP_PATH)), {'Content-Type': 'text/xml'}
        raise _Error(404, 'The resource could not be found.')

    def _sp_projects(self, sp, tok):
        projects = {'k2k-%s' % tok['home_project']} | self._remote[sp][
            tok['home_user']]
        if 'service' in tok['roles']:
            # mixmatch-configure's services group: every project of the
            # identity provider's domain.
            projects |= {'k2k-%s' % u['project_id']
                         for u in self._users.values()}
            projects |= {v['project_id'] for v in self._volumes[sp].values()}
        return projects

    def _sp_keystone(self, sp, req):
        if req.method == 'GET' and req.rest in ((), ('v3',)):
            return self._versions(sp, req.rest)
        if req.method == 'POST' and req.rest == ECP_PATH:
            if req.headers.get('Content-Type') != 'application/vnd.paos+xml':
                raise _Error(400, 'Expected a PAOS response')
            try:
                found = ElementTree.fromstring(req.raw).find(
                    './/{%sassertion}Assertion' % SAML)
            except ElementTree.ParseError:
                found = None
            # Consumed once, as Shibboleth's replay cache does.
            assertion = self._assertions.pop(getattr(found, 'attrib', {}).get(
                'ID'), None)
            if not assertion or assertion['sp'] != sp:
                raise _Error(401, 'SAML assertion rejected')
            sid = uuid.uuid4().hex
            self._sessions[(sp, sid)] = assertion
            return 302, None, {
                'Location': self._url(sp, FED_AUTH),
                'Set-Cookie': '_shibsession_%s=%s; path=/%s/; HttpOnly'
                              % (sp, sid, sp)}
        if req.method == 'GET' and req.rest == FED_AUTH:
            morsel = http.cookies.SimpleCookie(req.headers.get(
                'Cookie', '')).get('_shibsession_' + sp)
            assertion = morsel and self._sessions.get((sp, morsel.value))
            if not assertion:
                raise _Error(401, UNAUTHORIZED)
            fed_id = hashlib.sha256(
                ('%s/%s' % (IDP_ID, assertion['user'])).encode()).hexdigest()
            return self._token_response(sp, self._issue(
                sp, fed_id[:32], assertion['user'], None, assertion['roles'],
                ['saml2'], assertion['user'], assertion['project']))
        if req.method == 'GET' and req.rest == ('v3', 'auth', 'projects'):
            tok = self._token(sp, req.headers.get('X-Auth-Token'))
            return 200, {'links': {'self': self._url(sp, req.rest),
                                   'next': None, 'previous': None},
                         'projects': [{'id': p, 'name': p, 'enabled': True,
                                       'domain_id': 'default',
                                       'is_domain': False} for p in sorted(
                                           self._sp_projects(sp, tok))]}, {}
        if req.method == 'POST' and req.rest == ('v3', 'auth', 'tokens'):
            auth = _json(req.raw).get('auth', {})
            tok = self._token(sp, auth.get('identity', {}).get(
                'token', {}).get('id'))
            project = (auth.get('scope') or {}).get('project', {}).get('id')
            if project not in self._sp_projects(sp, tok) | {None}:
                raise _Error(401, UNAUTHORIZED)
            return self._token_response(sp, self._issue(
                sp, tok['user_id'], tok['user_name'], project, tok['roles'],
                sorted(set(tok['methods']) | {'token'}), tok['home_user'],
                tok['home_project']))
        raise _Error(404, 'The resource could not be found.')

    # Cinder.

    def _volume_view(self, sp, vol, mv, admin):
        view = dict(
            id=vol['id'], status=vol['status'], size=vol['size'],
            name=vol['name'], multiattach=vol['multiattach'],
            created_at=vol['created_at'], availability_zone='nova',
            updated_at=None, description=None, volume_type='__DEFAULT__',
            snapshot_id=None, source_volid=None, metadata={}, links=[],
            user_id=None, bootable=str(vol['bootable']).lower(),
            encrypted=False, group_id=None,
            replication_status=None, consistencygroup_id=None, attachments=[
                {'id': vol['id'], 'attachment_id': a['id'],
                 'volume_id': vol['id'], 'server_id': a['instance_uuid'],
                 'host_name': a['attached_host'] if admin else None,
                 'device': a['mountpoint'], 'attached_at': a['attached_at']}
                for a in self._attachments[sp].values()
                if a['volume_id'] == vol['id'] and a['status'] == 'attached'])
        view['os-vol-tenant-attr:tenant_id'] = vol['project_id']
        if mv >= (3, 48):
            view.update(shared_targets=False, service_uuid=None)
        return view

    def _quota_set(self, sp, project, query):
        if query.get('usage', '').lower() != 'true':
            return dict(QUOTA_LIMITS, id=project)
        vols = [v for v in self._volumes[sp].values()
                if v['project_id'] == project]
        in_use = {'volumes': len(vols), 'snapshots': 0,
                  'gigabytes': sum(v['size'] for v in vols)}
        return dict({r: {'limit': limit, 'in_use': in_use[r], 'reserved': 0,
                         'allocated': 0}
                     for r, limit in QUOTA_LIMITS.items()}, id=project)

    @staticmethod
    def _attachment_view(att, detail=True):
        view = dict(id=att['id'], status=att['status'],
                    instance=att['instance_uuid'], volume_id=att['volume_id'])
        if detail:
            view.update((k, att[k]) for k in (
                'attached_at', 'detached_at', 'attach_mode',
                'connection_info'))
        return view

    def _get(self, sp, kind, item_id, project):
        store = self._volumes if kind == 'Volume' else self._attachments
        found = store[sp].get(item_id)
        if not found or found['project_id'] != project:
            raise _Error(404, '%s %s could not be found.' % (kind, item_id))
        return found

    def _sp_cinder(self, sp, req):
        if req.method == 'GET' and req.rest == ('volume',):
            return 300, {'versions': [{
                'id': 'v3.0', 'status': 'CURRENT', 'version': '3.71',
                'min_version': '3.0', 'updated': '2023-08-31T00:00:00Z',
                'links': [{'rel': 'self',
                           'href': self.cinder_url(sp) + 'v3/'}],
                'media-types': [{'base': 'application/json', 'type':
                                 'application/vnd.openstack.volume+json;'
                                 'version=3'}]}]}, {}
        if req.rest[:2] != ('volume', 'v3') or len(req.rest) < 4:
            raise _Error(404, 'The resource could not be found.')
        tok = self._token(sp, req.headers.get('X-Auth-Token'))
        if req.rest[2] != tok['project_id']:
            raise _Error(400, 'Malformed request url')
        wanted = req.headers.get('OpenStack-API-Version', 'volume 3.0')
        wanted = wanted.split()[-1]
        try:
            mv = CINDER_MAX if wanted == 'latest' else tuple(
                int(x) for x in wanted.split('.'))
        except ValueError:
            mv = ()
        if not (3, 0) <= mv <= CINDER_MAX:
            raise _Error(406, 'Version %s is not supported by the API.'
                         % wanted)
        status, body = self._cinder_call(
            sp, tok, req._replace(rest=req.rest[3:]), mv)
        return status, body, {'OpenStack-API-Version': 'volume %d.%d' % mv,
                              'Vary': 'OpenStack-API-Version'}

    def _cinder_call(self, sp, tok, req, mv):
        project, res, method = tok['project_id'], req.rest, req.method
        if method == 'GET' and res in (('volumes',), ('volumes', 'detail')):
            vols = [self._volume_view(sp, v, mv, 'admin' in tok['roles'])
                    for v in self._volumes[sp].values()
                    if v['project_id'] == project and all(
                        v[k] == req.query[k] for k in ('status', 'name')
                        if k in req.query)]
            return 200, {'volumes': vols if len(res) == 2 else [
                {'id': v['id'], 'name': v['name'], 'links': []}
                for v in vols]}
        if method == 'GET' and res[0] == 'volumes' and len(res) == 2:
            return 200, {'volume': self._volume_view(sp, self._get(
                sp, 'Volume', res[1], project), mv, 'admin' in tok['roles'])}
        if method == 'GET' and res == ('os-quota-sets', project):
            return 200, {'quota_set': self._quota_set(sp, project, req.query)}
        if method == 'DELETE' and res[0] == 'volumes' and len(res) == 2:
            vol = self._get(sp, 'Volume', res[1], project)
            if vol['status'] not in ('available', 'error'):
                raise _Error(400, 'Invalid volume: Volume status must be '
                             'available or error, but current status is: '
                             '%s.' % vol['status'])
            del self._volumes[sp][vol['id']]
            return 202, None
        if method == 'POST' and res[0] == 'volumes' and res[2:] == (
                'action',):
            return self._volume_action(
                self._get(sp, 'Volume', res[1], project), _json(req.raw))
        if res[0] != 'attachments' or mv < (3, 27):
            raise _Error(404, 'The resource could not be found.')
        if method == 'POST' and res == ('attachments',):
            body = _json(req.raw).get('attachment') or {}
            if 'volume_uuid' not in body:
                raise _Error(400, "'volume_uuid' is a required property")
            vol = self._get(sp, 'Volume', body['volume_uuid'], project)
            instance = body.get('instance_uuid')
            free = ('available', 'in-use') if vol['multiattach'] else (
                'available',)
            # Attaching again to the same instance (a migration) is allowed.
            if vol['status'] not in free and not (
                    instance and vol['status'] in ('in-use', 'reserved') and
                    any(a['volume_id'] == vol['id'] and
                        a['instance_uuid'] == instance
                        for a in self._attachments[sp].values())):
                raise _Error(400, 'Invalid volume: Volume %s status must be '
                             '%s to reserve, but the current status is %s.'
                             % (vol['id'], ' or '.join(free), vol['status']))
            att = dict(id=str(uuid.uuid4()), volume_id=vol['id'],
                       project_id=project, instance_uuid=instance,
                       connector=None, status='reserved', attach_mode='null',
                       connection_info={}, attached_host=None,
                       mountpoint=None, attached_at='', detached_at='')
            if body.get('connector'):
                self._connect(att, vol, body['connector'])
            elif vol['status'] in free:
                vol.update(status='reserved', attach_status='reserved')
            self._attachments[sp][att['id']] = att
            return 200, {'attachment': self._attachment_view(att)}
        if method == 'GET' and res in (('attachments',),
                                       ('attachments', 'detail')):
            wanted = {'instance_uuid': req.query.get('instance_id'),
                      'volume_id': req.query.get('volume_id')}
            return 200, {'attachments': [
                self._attachment_view(a, detail=len(res) == 2)
                for a in self._attachments[sp].values()
                if a['project_id'] == project and all(
                    a[k] == v for k, v in wanted.items() if v)]}
        if len(res) < 2:
            raise _Error(404, 'The resource could not be found.')
        att = self._get(sp, 'VolumeAttachment', res[1], project)
        vol = self._volumes[sp][att['volume_id']]
        if method == 'GET' and len(res) == 2:
            return 200, {'attachment': self._attachment_view(att)}
        if method == 'PUT' and len(res) == 2:
            self._connect(att, vol, (_json(req.raw).get('attachment') or {}
                                     ).get('connector'))
            return 200, {'attachment': self._attachment_view(att)}
        if method == 'POST' and res[2:] == ('action',) and mv >= (3, 44):
            if 'os-complete' not in _json(req.raw):
                raise _Error(400, 'Unknown attachment action')
            att['status'] = 'attached'
            vol.update(status='in-use', attach_status='attached')
            return 204, None
        if method == 'DELETE' and len(res) == 2:
            del self._attachments[sp][att['id']]
            left = [a for a in self._attachments[sp].values()
                    if a['volume_id'] == vol['id']]
            # As Cinder: attached > attaching > detaching > reserved.
            state = min([a['status'] for a in left] or ['detached'])
            vol.update(attach_status=state, status={
                'attached': 'in-use', 'detached': 'available'}.get(
                    state, state))
            return 200, {'attachments': [
                self._attachment_view(a, detail=False) for a in left]}
        raise _Error(404, 'The resource could not be found.')

    # Glance: what Nova's image checks read, image by image.

    def _sp_glance(self, sp, req):
        if req.method == 'GET' and req.rest == ('image',):
            href = self.glance_url(sp) + '/v2/'
            return 300, {'versions': [{
                'id': 'v2.16', 'status': 'CURRENT',
                'links': [{'rel': 'self', 'href': href}]}]}, {}
        tok = self._token(sp, req.headers.get('X-Auth-Token'))
        res = req.rest[1:]
        if req.method == 'GET' and res == ('v2', 'schemas', 'image'):
            return 200, {'name': 'image', 'properties': {},
                         'additionalProperties': True}, {}
        if req.method != 'GET' or res[:2] != ('v2', 'images') or len(
                res) > 3:
            raise _Error(404, 'The resource could not be found.')
        visible = {i['id']: i for i in self._images[sp].values()
                   if i['visibility'] == 'public' or
                   i['owner'] == tok['project_id']}
        if len(res) == 2:
            name = req.query.get('name')
            return 200, {'images': [self._image_view(i) for i in
                                    visible.values()
                                    if name in (None, i['name'])]}, {}
        if res[2] not in visible:
            raise _Error(404, 'No image found with ID %s' % res[2])
        return 200, self._image_view(visible[res[2]]), {}

    @staticmethod
    def _image_view(image):
        return dict(image, self='/v2/images/' + image['id'],
                    file='/v2/images/%s/file' % image['id'],
                    schema='/v2/schemas/image')

    @staticmethod
    def _volume_action(vol, body):
        """os-begin_detaching and os-roll_detaching, as Nova uses them."""
        moves = {'os-begin_detaching': ('in-use', 'detaching'),
                 'os-roll_detaching': ('detaching', 'in-use')}
        action = next((a for a in moves if a in body), None)
        if action is None:
            raise _Error(400, 'Unknown volume action')
        before, after = moves[action]
        if vol['status'] == before:
            vol['status'] = after
        elif action == 'os-begin_detaching':
            raise _Error(400, 'Invalid volume: Unable to detach volume. '
                         'Volume status must be in-use.')
        return 202, None

    @staticmethod
    def _connect(att, vol, connector):
        """Initialize the connection as Cinder's attachment_update does."""
        if not isinstance(connector, dict) or 'host' not in connector:
            raise _Error(400, 'A connector with a host is required')
        mode = connector.get('mode', 'rw')
        att.update(
            connector=dict(connector), status='attaching', attach_mode=mode,
            attached_host=connector['host'], attached_at=_iso(_now()),
            mountpoint=connector.get('mountpoint', 'na'),
            # Cinder flattens the driver's 'data' into connection_info.
            connection_info={
                'driver_volume_type': 'fake', 'volume_id': vol['id'],
                'access_mode': mode, 'encrypted': False, 'qos_specs': None,
                'cacheable': False, 'discard': False,
                'attachment_id': att['id'], 'enforce_multipath':
                    connector.get('enforce_multipath', False)})
        vol.update(status='attaching', attach_status='attaching')

    # HTTP.

    def _dispatch(self, method, target, headers, raw):
        url = urllib.parse.urlsplit(target)
        realm, *rest = [p for p in url.path.split('/') if p] or ['']
        part = {'volume': 'cinder', 'image': 'glance'}.get(
            rest[0] if rest else None, 'keystone')
        with self._lock:
            self.requests.append((realm + {'cinder': '/volume',
                                           'glance': '/image'}.get(part, ''),
                                  method, target, headers))
            try:
                if realm != 'home' and realm not in self._sp_ids:
                    raise _Error(404, 'No cloud at /%s' % realm)
                if (realm, part) in self._down:
                    return 503, 'Service Unavailable', {
                        'Content-Type': 'text/plain'}
                handler = getattr(self, '_%s_%s' % (
                    'home' if realm == 'home' and part == 'keystone'
                    else 'sp', part))
                return handler(realm, _Request(method, tuple(rest), dict(
                    urllib.parse.parse_qsl(url.query)), headers, raw))
            except _Error as e:
                if part == 'cinder' and e.code in CINDER_ERRORS:
                    return e.code, {CINDER_ERRORS[e.code]: {
                        'code': e.code, 'message': e.message}}, {}
                return e.code, {'error': {
                    'code': e.code, 'message': e.message,
                    'title': http.HTTPStatus(e.code).phrase}}, {}


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        """Stay quiet."""

    def _serve(self):
        raw = self.rfile.read(int(self.headers.get('Content-Length') or 0))
        status, body, headers = self.server.cloud._dispatch(
            self.command, self.path,
            structures.CaseInsensitiveDict(self.headers.items()), raw)
        if isinstance(body, dict):
            headers['Content-Type'] = 'application/json'
            body = json.dumps(body)
        data = (body or '').encode()
        self.send_response(status)
        for name, value in list(headers.items()) + [
                ('Content-Length', str(len(data)))]:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _serve
