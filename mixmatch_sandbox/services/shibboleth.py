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

"""The SAML service provider in front of a cloud's Keystone, as operators
deploy one: Apache with mod_shib and mod_proxy_uwsgi on port
keystone-<cloud>, passing requests on to Keystone's uwsgi, and shibd,
which consumes the identity provider's assertions.
"""

import pathlib
import shutil
import string

from mixmatch_sandbox import base
from mixmatch_sandbox.services import keystone

__all__ = ['TEMPLATES', 'render', 'metadata_providers', 'shibd', 'apache']

TEMPLATES = pathlib.Path(__file__).resolve().parent.parent / 'templates'


def render(template, path, **values):
    """Fill a template of templates/ (``${name}``) into path."""
    text = (TEMPLATES / template).read_text()
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(string.Template(text).substitute(
        {k: str(v) for k, v in values.items()}))
    return path


def _shib_dir(sb, cloud):
    return sb.path('etc', 'shibboleth-' + cloud, 'x').parent


def metadata_providers(paths):
    """shibboleth2.xml's element for each IdP metadata file of paths."""
    return '\n'.join('    <MetadataProvider type="XML" validate="false"\n'
                     '                      path="%s"/>' % path
                     for path in paths)


def shibd(sb, cloud: str, *idps: str):
    """shibd of cloud, trusting the Keystones of the clouds idps.

    Its config is written every time; it is started once every idp's SAML
    metadata exists (shibd reads it at start: the K2K wiring starts it
    when an identity provider came up later).
    """
    name = 'shibd-' + cloud
    shib = _shib_dir(sb, cloud)
    metadata = [keystone.idp_metadata_path(sb, idp) for idp in idps]
    render('shibboleth2.xml', shib / 'shibboleth2.xml',
           shib_dir=shib, sp_base_url=sb.keystone_url(cloud, ''),
           idp_entity_id=keystone.entity_id(sb, idps[0]),
           metadata_providers=metadata_providers(metadata))
    render('shib.logger', shib / 'shibd.logger', level='INFO')
    render('shib.logger', shib / 'native.logger', level='WARN')
    shutil.copy(TEMPLATES / 'attribute-map.xml', shib / 'attribute-map.xml')
    if not (shib / 'sp-key.pem').exists():
        # The SP's own key pair (metadata, encryption): self-signed, like
        # shib-keygen makes it, but here.
        sb.run(['openssl', 'req', '-x509', '-newkey', 'rsa:3072', '-nodes',
                '-days', '3650', '-subj', '/CN=' + base.HOST,
                '-keyout', shib / 'sp-key.pem',
                '-out', shib / 'sp-cert.pem'], log=sb.log(name))
    if sb.running(name) or not all(path.exists() for path in metadata):
        return
    # -F: foreground, so mixmatch-sandbox owns the process (it then writes
    # no pidfile); -f: drop a stale socket of a previous run.
    sb.start(name, ['shibd', '-F', '-f', '-c', shib / 'shibboleth2.xml',
                    '-p', shib / 'shibd.pid'])
    # The socket is what mod_shib needs; its appearance means shibd has
    # loaded the config and the metadata.
    sb.wait_until((shib / 'shibd.sock').exists, 'shibd socket', name=name,
                  interval=0.1)


def apache(sb, cloud: str):
    """Apache with mod_shib in front of cloud's Keystone uwsgi."""
    name = 'apache2-' + cloud
    if sb.running(name):
        return
    apache_dir = sb.path('state', name, 'x').parent
    (apache_dir / 'run').mkdir(exist_ok=True)
    # written by Apache's parent (root) only, as the sandbox's own logs
    (apache_dir / 'logs').mkdir(mode=0o700, exist_ok=True)
    (apache_dir / 'logs').chmod(0o700)
    conf = render('apache-sp.conf', sb.path('etc', name + '.conf'),
                  host=base.HOST, port=sb.ports[keystone.name(cloud)],
                  apache_dir=apache_dir, shib_dir=_shib_dir(sb, cloud),
                  uwsgi=sb.address(keystone.uwsgi_name(cloud)))
    pidfile = apache_dir / 'run' / 'apache2.pid'
    pidfile.unlink(missing_ok=True)
    log = sb.log(name)
    # Debian's apache2 reads these from /etc/apache2/envvars when started
    # by apachectl; our config names its paths itself, these only keep
    # the binary from looking at the system's directories.
    env = {'APACHE_RUN_DIR': apache_dir / 'run',
           'APACHE_LOCK_DIR': apache_dir / 'run',
           'APACHE_PID_FILE': pidfile, 'APACHE_LOG_DIR': apache_dir / 'logs',
           'APACHE_RUN_USER': 'www-data', 'APACHE_RUN_GROUP': 'www-data'}
    env = {k: str(v) for k, v in env.items()}
    sb.run(['apache2', '-f', conf, '-t'], log=log, env=env)
    sb.run(['apache2', '-f', conf, '-k', 'start'], log=log, env=env)
    sb.wait_until(lambda: pidfile.exists() and pidfile.read_text().strip(),
                  'apache2 pidfile', log=log, interval=0.1)
    sb.adopt(name, int(pidfile.read_text()))
