#!/bin/bash
#
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

# The devstack plugin in a real devstack, on this host, on demand (not in
# .ci/run). As root, on a host that devstack may take over:
#
#   MIXMATCH_DEVSTACK_DISPOSABLE_HOST=yes tools/devstack-smoke.sh [STEP...]
#
# Steps, in this order by default (all): prepare stack check k2k unstack
# restack clean teardown. Each prints its elapsed time and its log, under
# $MIXMATCH_DEVSTACK_LOGS (default .devstack-logs of the checkout).
#
# prepare   sudo, the unprivileged stack user, systemctl for a host
#           without systemd (tools/devstack-smoke/systemctl), devstack's
#           own MariaDB (the host's shared one keeps its root password),
#           local git repositories of the 2026.2 sdists of PyPI and of a
#           requirements repository with upper-constraints.txt, local.conf
# stack     stack.sh of a copy of $DEVSTACK_SRC as the stack user
# check     the plugin's work: Nova patched, [mixmatch] in nova.conf and
#           nova_cell1.conf, the callback credential
# k2k       the devstack Keystone, K2K identity provider of the sandbox's
#           foreign cloud (mixmatch-sandbox up on port base
#           $MIXMATCH_SANDBOX_PORT_BASE, default 28000); a foreign volume
#           of the devstack demo user attached to a devstack server with
#           openstack server add volume --service-provider, both clouds'
#           views, detached
# unstack   unstack.sh
# restack   stack.sh again (Keystone's database is recreated): the
#           callback credential is replaced, not left stale
# clean     clean.sh: Nova unpatched
# teardown  devstack's MariaDB stopped, its RabbitMQ user and vhosts
#           dropped, systemctl and sudo's settings restored; the shared
#           MariaDB and RabbitMQ checked
#
# The checkout's committed HEAD is what devstack clones (enable_plugin).

set -o errexit -o nounset -o pipefail

CHECKOUT=$(cd "$(dirname "$0")/.." && pwd)
SMOKE=$CHECKOUT/tools/devstack-smoke
DEVSTACK_SRC=${DEVSTACK_SRC:-/work/shared/reference/devstack}
LOGS=${MIXMATCH_DEVSTACK_LOGS:-$CHECKOUT/.devstack-logs}
SDISTS=${MIXMATCH_DEVSTACK_SDISTS:-$LOGS/sdists}
STACK_USER=stack
STACK_HOME=/opt/stack
DEVSTACK=$STACK_HOME/devstack
GIT_ROOT=/opt/mixmatch-devstack-git
LIB=/usr/lib/mixmatch-devstack
# read after devstack's own 50_stack_sh and zz-secure-path: sudo's last
# matching rule wins
SUDOERS=/etc/sudoers.d/zzz_mixmatch_devstack
# devstack's own MariaDB: its root password is devstack's to set
DB_DIR=/opt/mixmatch-devstack-mariadb
DB_PORT=${MIXMATCH_DEVSTACK_DB_PORT:-28306}
DB_SOCKET=$DB_DIR/mysqld.sock
# the mysql clients read $MYSQL_HOME/my.cnf after /etc/mysql/my.cnf, whose
# socket is the shared server's (MYSQL_UNIX_PORT loses to it)
DB_CLIENT_CONF=$DB_DIR/my.cnf
SHARED_MY_CNF=/etc/mysql/my.cnf
# the projects devstack clones: repository name, PyPI name, 2026.2 version
PROJECTS="keystone:keystone:30.0.0 nova:nova:34.0.0 glance:glance:33.0.0
cinder:cinder:29.0.0 placement:openstack-placement:16.0.0
neutron:neutron:29.0.0"
# the devstack Keystone as K2K identity provider: its SAML signing key
SAML_DIR=$STACK_HOME/mixmatch-saml
KEYSTONE_URL=http://127.0.0.1/identity
IDP_ENTITY_ID=$KEYSTONE_URL/v3/OS-FEDERATION/saml2/idp
# the sandbox's foreign cloud, the service provider of the devstack cloud
export MIXMATCH_SANDBOX_PORT_BASE=${MIXMATCH_SANDBOX_PORT_BASE:-28000}
export MIXMATCH_SANDBOX_DIR=${MIXMATCH_SANDBOX_DIR:-$CHECKOUT/.sandbox}
SP_ID=sandbox
IDP_ID=devstack
SP_ROOT=http://127.0.0.1:$((MIXMATCH_SANDBOX_PORT_BASE + 100))
# what devstack's pip_install_gr installs that the constraints do not name
DEVSTACK_GR_EXTRA="python-memcached osc-placement pymemcache setuptools"
BRANCH=$(git -C "$CHECKOUT" rev-parse --abbrev-ref HEAD)
export MIXMATCH_DEVSTACK_SMOKE=1

START=$(date +%s)
mkdir -p "$LOGS"

source "$SMOKE/steps.sh"

function as_stack {
    runuser -u "$STACK_USER" -- env HOME="$STACK_HOME" MYSQL_HOME="$DB_DIR" \
        PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin \
        "$@"
}

# ---- prepare -------------------------------------------------------------

function host_user {
    apt-get install -y --no-install-recommends sudo xmlsec1 patch git
    if ! id "$STACK_USER" >/dev/null 2>&1; then
        useradd --system --shell /bin/bash --home-dir "$STACK_HOME" \
            --create-home "$STACK_USER"
    fi
    chmod 755 "$STACK_HOME"
    # devstack wants passwordless sudo, but not for what would change
    # the host's shared services: it deletes RabbitMQ's guest user
    # (lib/rpc_backend) and sets the MariaDB root password
    # (lib/databases/mysql; devstack's own MariaDB has it already);
    # clean.sh deletes MariaDB's data and kills epmd (do_clean disables
    # those services first; these rules are a second guard)
    cat > "$SUDOERS.tmp" <<EOF
$STACK_USER ALL=(root) NOPASSWD: ALL, !/usr/sbin/rabbitmqctl delete_user guest, !/usr/sbin/rabbitmqctl change_password guest *, !/usr/bin/mysqladmin *, !/usr/bin/rm -rf /var/lib/mysql, !/usr/bin/rm -rf /etc/mysql, !/usr/bin/killall epmd, !/usr/bin/killall -9 epmd
Defaults:$STACK_USER env_keep += "MYSQL_HOME"
EOF
    visudo -cf "$SUDOERS.tmp"
    install -m 440 "$SUDOERS.tmp" "$SUDOERS"
    rm -f "$SUDOERS.tmp"
    # sudo -l: whether it would run them, without running them
    local refused
    for refused in "rabbitmqctl delete_user guest" \
            "rabbitmqctl change_password guest x" "mysqladmin password x"; do
        if as_stack sudo -n -l $refused >/dev/null 2>&1; then
            echo "sudo would let $STACK_USER run: $refused"
            return 1
        fi
        echo "sudo refuses $STACK_USER: $refused"
    done
    # the plugin's repository is cloned from a checkout root owns
    as_stack git config --global --replace-all safe.directory '*'
    as_stack git config --global user.email stack@localhost
    as_stack git config --global user.name stack
}

# devstack's apt-get may upgrade systemd: a diversion keeps the real
# systemctl beside this one whatever the package writes
function install_systemctl {
    install -d "$LIB"
    if ! dpkg-divert --list /bin/systemctl | grep -q "$LIB"; then
        dpkg-divert --local --rename --divert "$LIB/systemctl.real" \
            --add /bin/systemctl
    fi
    install -m 755 "$SMOKE/systemctl" /usr/bin/systemctl
    echo "/usr/bin/systemctl: devstack's calls served by $SMOKE/systemctl;" \
         "everyone else's by $LIB/systemctl.real"
}

function restore_systemctl {
    if dpkg-divert --list /bin/systemctl | grep -q "$LIB"; then
        rm -f /usr/bin/systemctl
        dpkg-divert --local --rename --remove /bin/systemctl
        echo "/usr/bin/systemctl restored: $(systemctl --version | head -1)"
    fi
}

function db_running {
    [[ -f $DB_DIR/mariadbd.pid ]] && kill -0 "$(cat "$DB_DIR/mariadbd.pid")" 2>/dev/null
}

# root of devstack's MariaDB, before and after its password is set
function private_mysql {
    mysql --no-defaults --socket="$DB_SOCKET" -uroot \
        -p"$(secret DATABASE_PASSWORD)" "$@" 2>/dev/null ||
        mysql --no-defaults --socket="$DB_SOCKET" -uroot "$@"
}

function start_mariadb {
    install -d -o "$STACK_USER" -g "$STACK_USER" "$DB_DIR"
    if [[ ! -d $DB_DIR/data/mysql ]]; then
        mariadb-install-db --no-defaults --datadir="$DB_DIR/data" \
            --user="$STACK_USER" --auth-root-authentication-method=normal \
            --skip-test-db
    fi
    if ! db_running; then
        setsid mariadbd --no-defaults --datadir="$DB_DIR/data" \
            --user="$STACK_USER" --port="$DB_PORT" --bind-address=127.0.0.1 \
            --socket="$DB_SOCKET" --pid-file="$DB_DIR/mariadbd.pid" \
            --log-error="$DB_DIR/mariadbd.err" --skip-log-bin \
            --max-connections=1024 --innodb-buffer-pool-size=64M \
            --sql-mode=TRADITIONAL --character-set-server=utf8mb3 \
            < /dev/null > /dev/null 2>&1 &
    fi
    local i
    for i in $(seq 60); do
        if mysqladmin --no-defaults --socket="$DB_SOCKET" ping \
                >/dev/null 2>&1; then
            break
        fi
        sleep 1
    done
    # devstack's root password, set here: devstack's own mysqladmin
    # password is refused by sudo (it would reach the shared server first)
    local user users
    users=$(private_mysql -sN -e "select concat(quote(user), '@',
        quote(host)) from mysql.user where user = 'root'")
    for user in $users; do
        private_mysql -e \
            "ALTER USER $user IDENTIFIED BY '$(secret DATABASE_PASSWORD)'"
    done
    printf '[client-server]\nsocket = %s\nport = %s\n' "$DB_SOCKET" \
        "$DB_PORT" > "$DB_CLIENT_CONF"
    chmod 644 "$DB_CLIENT_CONF"
    echo "devstack's MariaDB on 127.0.0.1:$DB_PORT, $DB_SOCKET"
}

# what devstack's mysql and sudo mysql reach: its own MariaDB, not 3306
function devstack_db_reached {
    local port
    port=$(as_stack sudo mysql -uroot -p"$(secret DATABASE_PASSWORD)" -sN \
        -e 'select @@port')
    echo "sudo mysql as $STACK_USER reaches the server on port $port"
    [[ $port == "$DB_PORT" ]]
    port=$(as_stack mysql -h127.0.0.1 -uroot \
        -p"$(secret DATABASE_PASSWORD)" -sN -e 'select @@port')
    echo "mysql -h127.0.0.1 as $STACK_USER reaches the server on port $port"
    [[ $port == "$DB_PORT" ]]
}

function stop_mariadb {
    if db_running; then
        kill "$(cat "$DB_DIR/mariadbd.pid")"
        while db_running; do
            sleep 1
        done
        echo "devstack's MariaDB stopped"
    fi
}

# secret NAME: devstack's password NAME, made once, kept 0600
function secret {
    local file=$LIB/secrets
    (umask 077; touch "$file")
    if ! grep -q "^$1=" "$file"; then
        echo "$1=$(openssl rand -hex 16)" >> "$file"
    fi
    sed -n "s/^$1=//p" "$file"
}

function download_sdists {
    mkdir -p "$SDISTS"
    local entry repo pypi version
    for entry in $PROJECTS; do
        IFS=: read -r repo pypi version <<< "$entry"
        if ! ls "$SDISTS/${pypi//-/_}-$version.tar.gz" \
                "$SDISTS/$pypi-$version.tar.gz" >/dev/null 2>&1; then
            python3 -m pip download --no-deps --no-binary :all: \
                -d "$SDISTS" "$pypi==$version"
        fi
    done
}

# git_repo NAME VERSION DIR: a repository of DIR's files, tag VERSION on
# branch master, at $GIT_ROOT/openstack/NAME.git
function git_repo {
    local name=$1 version=$2 src=$3
    local repo=$GIT_ROOT/openstack/$name.git
    rm -rf "$repo"
    mkdir -p "$repo"
    cp -a "$src"/. "$repo"/
    git -C "$repo" init -q -b master
    git -C "$repo" add -A
    git -C "$repo" -c user.name=devstack-smoke -c user.email=smoke@localhost \
        commit -q -m "$name $version"
    git -C "$repo" tag "$version"
    echo "$repo: $version"
}

function build_repos {
    local entry repo pypi version tmp
    tmp=$(mktemp -d)
    for entry in $PROJECTS; do
        IFS=: read -r repo pypi version <<< "$entry"
        mkdir "$tmp/$repo"
        tar -xzf "$(ls "$SDISTS/${pypi//-/_}-$version.tar.gz" \
                    "$SDISTS/$pypi-$version.tar.gz" 2>/dev/null | head -1)" \
            -C "$tmp/$repo" --strip-components=1
        git_repo "$repo" "$version" "$tmp/$repo"
    done
    mkdir "$tmp/requirements"
    cp "$SMOKE"/requirements/* "$CHECKOUT/upper-constraints.txt" \
        "$tmp/requirements/"
    # pip_install_gr wants a name with a version specifier: every
    # constrained name (as written and with dashes) and those devstack
    # installs beyond them, at any version (the constraints pin them)
    local names=$tmp/names
    grep -v '^#' "$CHECKOUT/upper-constraints.txt" | cut -d= -f1 |
        sed 'p; s/[_.]/-/g' > "$names"
    printf '%s\n' $DEVSTACK_GR_EXTRA >> "$names"
    sort -u "$names" | sed 's/$/>=0/' \
        > "$tmp/requirements/global-requirements.txt"
    rm "$names"
    git_repo requirements 2026.2 "$tmp/requirements"
    chmod -R a+rX "$GIT_ROOT"
    rm -rf "$tmp"
}

function write_local_conf {
    rm -rf "$DEVSTACK"
    cp -a "$DEVSTACK_SRC" "$DEVSTACK"
    local entry repo pypi version repos=""
    for entry in $PROJECTS; do
        IFS=: read -r repo pypi version <<< "$entry"
        repos+="${repo^^}_REPO=\$GIT_BASE/openstack/$repo.git
${repo^^}_BRANCH=$version
"
    done
    (umask 077; cat > "$DEVSTACK/local.conf" <<EOF
[[local|localrc]]
ADMIN_PASSWORD=$(secret ADMIN_PASSWORD)
DATABASE_PASSWORD=$(secret DATABASE_PASSWORD)
RABBIT_PASSWORD=$(secret RABBIT_PASSWORD)
SERVICE_PASSWORD=$(secret SERVICE_PASSWORD)
HOST_IP=127.0.0.1
LOGFILE=$STACK_HOME/logs/stack.sh.log
VERBOSE=True

# local repositories of the 2026.2 sdists (this host reaches no git server)
GIT_BASE=file://$GIT_ROOT
GIT_DEPTH=0
# every stack.sh takes the checkout's latest commit (and Nova's tree anew)
RECLONE=True
${repos}REQUIREMENTS_REPO=\$GIT_BASE/openstack/requirements.git
REQUIREMENTS_BRANCH=2026.2

# lean: fake virt driver and Cinder backend, no images, Horizon, Swift,
# tempest, etcd or dstat; Neutron's API alone (Nova's server view asks it
# for security groups), on ML2's openvswitch driver with no agent: OVN and
# OVS would need the openvswitch kernel module, and servers have no NIC
ENABLED_SERVICES=key,n-api,n-cond,n-sch,n-cpu,placement-api,placement-client
ENABLED_SERVICES+=,g-api,c-api,c-sch,c-vol,mysql,rabbit,openstack-cli-server
ENABLED_SERVICES+=,q-svc
Q_AGENT=openvswitch
Q_ML2_PLUGIN_MECHANISM_DRIVERS=openvswitch
NEUTRON_CREATE_INITIAL_NETWORKS=False
VIRT_DRIVER=fake
CINDER_ENABLED_BACKENDS=fake:fake-1
DOWNLOAD_DEFAULT_IMAGES=False
IMAGE_URLS=""
API_WORKERS=1
SERVICE_TIMEOUT=300

# the host's MariaDB and RabbitMQ are shared: devstack's database is its
# own MariaDB (MYSQL_HOME), its RabbitMQ user its own
INSTALL_DATABASE_SERVER_PACKAGES=False
MYSQL_GATHER_PERFORMANCE=False
BASE_SQL_CONN=mysql+pymysql://root:$(secret DATABASE_PASSWORD)@127.0.0.1:$DB_PORT
RABBIT_USERID=stackrabbit

NOVA_USE_SERVICE_TOKEN=True
enable_plugin mixmatch file://$CHECKOUT $BRANCH
MIXMATCH_CINDER_CALLBACK_USER=mixmatch-cinder
MIXMATCH_SERVICE_PROVIDERS="$SP_ID|$SP_ROOT/v3/OS-FEDERATION/identity_providers/$IDP_ID/protocols/saml2/auth|$SP_ROOT/Shibboleth.sso/SAML2/ECP"

[[post-config|\$KEYSTONE_CONF]]
[saml]
certfile = $SAML_DIR/cert.pem
keyfile = $SAML_DIR/key.pem
idp_entity_id = $IDP_ENTITY_ID
idp_sso_endpoint = $KEYSTONE_URL/v3/OS-FEDERATION/saml2/sso
idp_metadata_path = $SAML_DIR/idp_metadata.xml
xmlsec1_binary = xmlsec1
EOF
    )
    # the reference copy is read-only; devstack writes .localrc.auto here
    chown -R "$STACK_USER:$STACK_USER" "$DEVSTACK"
    chmod -R u+w "$DEVSTACK"
}

function saml_keys {
    install -d -o "$STACK_USER" -g "$STACK_USER" "$SAML_DIR"
    if [[ ! -s $SAML_DIR/key.pem ]]; then
        as_stack openssl req -x509 -newkey rsa:3072 -nodes -days 3650 \
            -subj /CN=127.0.0.1 -keyout "$SAML_DIR/key.pem" \
            -out "$SAML_DIR/cert.pem"
    fi
    echo "SAML signing key of the devstack Keystone: $SAML_DIR"
}

function do_prepare {
    local log=$LOGS/prepare.log
    : > "$log"
    step "sudo, xmlsec1, the $STACK_USER user" "$log" host_user
    step "systemctl for devstack (no systemd here)" "$log" install_systemctl
    step "devstack's own MariaDB on port $DB_PORT" "$log" start_mariadb
    step "devstack's mysql calls reach it, not the shared one" "$log" \
        devstack_db_reached
    step "2026.2 sdists from PyPI" "$log" download_sdists
    step "git repositories of the sdists and requirements" "$log" build_repos
    step "SAML key of the devstack Keystone (K2K IdP)" "$log" saml_keys
    step "devstack copy and local.conf" "$log" write_local_conf
}

# ---- stack.sh and friends ------------------------------------------------

# devstack writes its settings in the shared server's my.cnf (iniset
# -sudo, lib/databases/mysql): the file is put back after each run (the
# shared server is not restarted meanwhile: systemctl leaves it alone)
function run_devstack {
    local script=$1 log=$2 rc=0
    cp -p "$SHARED_MY_CNF" "$LIB/my.cnf.shared"
    printf '         devstack log: %s\n' "$STACK_HOME/logs/stack.sh.log"
    step "$script" "$log" as_stack bash -c "cd $DEVSTACK && ./$script" || rc=$?
    if [[ ! -e $SHARED_MY_CNF ]] || \
            ! cmp -s "$LIB/my.cnf.shared" "$SHARED_MY_CNF"; then
        cp -p "$LIB/my.cnf.shared" "$SHARED_MY_CNF"
        echo "         $SHARED_MY_CNF: devstack's changes undone"
    fi
    return $rc
}

function do_stack {
    run_devstack stack.sh "$LOGS/stack.log"
}

function do_unstack {
    run_devstack unstack.sh "$LOGS/unstack.log"
}

function do_restack {
    run_devstack stack.sh "$LOGS/restack.log"
    do_check
}

# clean.sh purges the mysql*, mariadb*, rabbitmq-server and erlang*
# packages and deletes /var/lib/mysql and /etc/mysql (cleanup_database,
# cleanup_rpc_backend) of the services enabled: this host's are treated as
# shared. They are disabled first where clean.sh reads them last: the
# .stackenv stack.sh saved, whose ENABLED_SERVICES overrides local.conf's
# (devstack's own MariaDB is stopped by teardown).
function do_clean {
    echo 'disable_service mysql rabbit' >> "$DEVSTACK/.stackenv"
    run_devstack clean.sh "$LOGS/clean.log"
    step "Nova's tree unpatched" "$LOGS/clean.log" nova_unpatched
}

function nova_unpatched {
    local changed
    changed=$(as_stack git -C "$STACK_HOME/nova" status --porcelain \
        --untracked-files=no)
    if [[ -n $changed ]]; then
        echo "Nova's tree still differs from 34.0.0:"
        echo "$changed"
        return 1
    fi
    echo "$STACK_HOME/nova: no change against its 34.0.0 tag"
}

# ---- check ---------------------------------------------------------------

function openstack_as {
    local cloud=$1
    shift
    as_stack env OS_CLOUD="$cloud" "$STACK_HOME/data/venv/bin/openstack" "$@"
}

function plugin_state {
    as_stack "$STACK_HOME/data/venv/bin/mixmatch-patch" status
    local conf
    for conf in /etc/nova/nova.conf /etc/nova/nova_cell1.conf; do
        echo "$conf:"
        sed -n '/^\[mixmatch\]/,/^\[/p' "$conf" | grep -v '^\[[^m]'
    done
    local file=$STACK_HOME/data/mixmatch/mixmatch-cinder-application-credential
    local saved
    IFS='|' read -r saved _ < "$file"
    echo "credential file $file ($(stat -c %a "$file")): id $saved"
    # as the credential itself: a stale file fails here
    as_stack bash -c "IFS='|' read -r id secret < $file &&
        OS_AUTH_TYPE=v3applicationcredential \
        OS_AUTH_URL=http://127.0.0.1/identity/v3 \
        OS_APPLICATION_CREDENTIAL_ID=\$id \
        OS_APPLICATION_CREDENTIAL_SECRET=\$secret \
        $STACK_HOME/data/venv/bin/openstack token issue -f value -c expires \
        >/dev/null" && echo "the credential logs in"
    openstack_as devstack-admin application credential list \
        --user mixmatch-cinder --user-domain Default -f value -c ID -c Name
}

function do_check {
    local log=$LOGS/check.log
    step "plugin state: patch set, [mixmatch], callback credential" "$log" \
        plugin_state
    cat "$log" | tail -n 20
}

# ---- k2k: the devstack cloud, home cloud of the sandbox's foreign cloud -

VENV=$STACK_HOME/data/venv
CALLBACK_CREDENTIAL=$STACK_HOME/data/mixmatch/mixmatch-cinder-application-credential

function sandbox {
    (cd "$CHECKOUT" && python3 -m mixmatch_sandbox.cli "$@")
}

# once the foreign cloud knows the devstack IdP, a second up fails: the
# sandbox's foreign_images looks its k2k-demo project up by name, which
# both identity providers' domains now have
function sandbox_up {
    if curl -sf "$SP_ROOT/v3" >/dev/null; then
        echo "the sandbox's foreign Keystone answers at $SP_ROOT"
        return 0
    fi
    sandbox up
}

function sandbox_openstack {
    OS_CLIENT_CONFIG_FILE=$MIXMATCH_SANDBOX_DIR/clouds.yaml \
        "$MIXMATCH_SANDBOX_DIR/venv/bin/openstack" "$@"
}

function idp_metadata {
    as_stack bash -c "$VENV/bin/keystone-manage --config-file \
        /etc/keystone/keystone.conf saml_idp_metadata \
        > $SAML_DIR/idp_metadata.xml"
    grep -o 'entityID="[^"]*"' "$SAML_DIR/idp_metadata.xml"
    # Keystone started before post-config merged [saml] into its config
    systemctl restart devstack@keystone
    local i
    for i in $(seq 60); do
        curl -sf "$KEYSTONE_URL/v3" >/dev/null && return 0
        sleep 2
    done
    return 1
}

function register_sp {
    as_stack "$VENV/bin/mixmatch-configure" --os-cloud devstack-admin \
        register-service-provider "$SP_ID" \
        --auth-url "$SP_ROOT/v3/OS-FEDERATION/identity_providers/$IDP_ID/protocols/saml2/auth" \
        --sp-url "$SP_ROOT/Shibboleth.sso/SAML2/ECP"
}

function foreign_trusts_devstack {
    (cd "$CHECKOUT" && "$MIXMATCH_SANDBOX_DIR/venv/bin/python" \
        "$SMOKE/foreign_home.py" "$IDP_ID" --entity-id "$IDP_ENTITY_ID" \
        --metadata "$SAML_DIR/idp_metadata.xml" \
        --auth-url "$KEYSTONE_URL/v3" --credential-file "$CALLBACK_CREDENTIAL")
}

# the devstack demo user's volume at the foreign cloud, made through K2K
function foreign_volume {
    as_stack "$VENV/bin/python" "$SMOKE/foreign_volume.py" "$SP_ID" \
        "$IDP_ID" > "$LOGS/foreign-volume-id"
    cat "$LOGS/foreign-volume-id"
}

function a_server {
    local image
    head -c 1048576 /dev/urandom > "$LOGS/smoke-image.raw"
    chmod 644 "$LOGS/smoke-image.raw"
    image=$(openstack_as devstack image create devstack-smoke-image \
        --disk-format raw --container-format bare \
        --file "$LOGS/smoke-image.raw" -f value -c id)
    openstack_as devstack --os-compute-api-version 2.90 server create \
        --flavor m1.tiny --image "$image" --nic none --wait \
        devstack-smoke-server -f value -c id -c status
}

function both_views {
    local volume
    volume=$(cat "$LOGS/foreign-volume-id")
    echo "== devstack: openstack server volume list devstack-smoke-server"
    openstack_as devstack server volume list devstack-smoke-server
    echo "== devstack: openstack mixmatch volume list --service-provider $SP_ID"
    openstack_as devstack mixmatch volume list --service-provider "$SP_ID"
    echo "== sandbox foreign: openstack volume show $volume (foreign-admin)"
    sandbox_openstack --os-cloud foreign-admin volume show "$volume" \
        -c status -c attachments -c os-vol-tenant-attr:tenant_id
}

function wait_volume {
    local i status
    for i in $(seq 60); do
        status=$(sandbox_openstack --os-cloud foreign-admin volume show \
            "$(cat "$LOGS/foreign-volume-id")" -f value -c status)
        [[ $status == "$1" ]] && return 0
        sleep 2
    done
    echo "the foreign volume is $status, not $1"
    return 1
}

# attached_where: the server the foreign cloud has the volume attached to,
# and the volumes the devstack Nova has on the server
function attached_where {
    local volume
    volume=$(cat "$LOGS/foreign-volume-id")
    sandbox_openstack --os-cloud foreign-admin --os-volume-api-version 3.27 \
        volume attachment list --all-projects --volume-id "$volume" \
        -f value -c "Server ID"
    openstack_as devstack server volume list devstack-smoke-server \
        -f value -c "Volume ID"
}

function attach {
    local volume server
    volume=$(cat "$LOGS/foreign-volume-id")
    server=$(openstack_as devstack server show devstack-smoke-server \
        -f value -c id)
    openstack_as devstack server add volume devstack-smoke-server \
        "$volume" --service-provider "$SP_ID"
    wait_volume in-use
    both_views
    [[ $(attached_where) == "$server"$'\n'"$volume" ]]
    echo "both clouds: $volume attached to $server"
}

function detach {
    openstack_as devstack server remove volume devstack-smoke-server \
        "$(cat "$LOGS/foreign-volume-id")" --service-provider "$SP_ID"
    wait_volume available
    both_views
    [[ -z $(attached_where) ]]
    echo "both clouds: no attachment left"
}

function do_k2k {
    local log=$LOGS/k2k.log
    step "SAML metadata of the devstack Keystone" "$log" idp_metadata
    step "service provider $SP_ID at the devstack Keystone" "$log" register_sp
    step "sandbox up (port base $MIXMATCH_SANDBOX_PORT_BASE)" "$log" sandbox_up
    step "the foreign cloud trusts the devstack Keystone ($IDP_ID)" "$log" \
        foreign_trusts_devstack
    step "a foreign volume of the devstack demo user (K2K)" "$log" \
        foreign_volume
    step "a devstack server (fake driver, no network)" "$log" a_server
    step "openstack server add volume --service-provider $SP_ID" "$log" attach
    step "openstack server remove volume --service-provider $SP_ID" "$log" \
        detach
}

# ---- teardown ------------------------------------------------------------

function drop_devstack_rabbit {
    local vhost
    /usr/sbin/rabbitmqctl -q list_users | awk '$1 == "stackrabbit"' | \
        grep -q . && /usr/sbin/rabbitmqctl delete_user stackrabbit
    for vhost in $(/usr/sbin/rabbitmqctl -q list_vhosts | grep '^nova_cell'); do
        /usr/sbin/rabbitmqctl delete_vhost "$vhost"
    done
    echo "RabbitMQ: no stackrabbit user, no nova_cell vhost"
}

function leftover_processes {
    local left
    left=$(pgrep -u "$STACK_USER" -a || true)
    if [[ -n $left ]]; then
        echo "processes of $STACK_USER left:"
        echo "$left"
        return 1
    fi
    echo "no process of $STACK_USER left"
}

function do_teardown {
    local log=$LOGS/teardown.log
    step "sandbox down" "$log" sandbox down
    step "devstack's MariaDB stopped" "$log" stop_mariadb
    step "devstack's RabbitMQ user and vhosts dropped" "$log" \
        drop_devstack_rabbit
    step "systemctl restored" "$log" restore_systemctl
    # devstack's own (50_stack_sh, zz-secure-path, the rootwraps) too
    step "sudo settings of $STACK_USER removed" "$log" rm -f "$SUDOERS" \
        /etc/sudoers.d/50_stack_sh /etc/sudoers.d/zz-secure-path \
        /etc/sudoers.d/nova-rootwrap /etc/sudoers.d/cinder-rootwrap
    step "no devstack process left" "$log" leftover_processes
    step "shared MariaDB and RabbitMQ intact" "$log" shared_services_intact
}

function main {
    if [[ $(id -u) != 0 ]]; then
        echo "$0: run as root (it makes the stack user)" >&2
        exit 1
    fi
    # devstack takes the host over: it installs and upgrades packages, and
    # its scripts have purged a shared MariaDB and RabbitMQ here once.
    if [[ ${MIXMATCH_DEVSTACK_DISPOSABLE_HOST:-} != yes ]]; then
        echo "$0: devstack changes this whole host (packages, sudo," \
            "MariaDB and RabbitMQ); run it on a machine of its own, with" \
            "MIXMATCH_DEVSTACK_DISPOSABLE_HOST=yes" >&2
        exit 1
    fi
    local steps=("$@")
    if [[ ${#steps[@]} == 0 ]]; then
        steps=(prepare stack check k2k unstack restack clean teardown)
    fi
    local s
    for s in "${steps[@]}"; do
        "do_$s"
    done
    printf '[%6ss] %s: done\n' "$(elapsed)" "${steps[*]}"
}

main "$@"
