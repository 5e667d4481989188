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

# tools/devstack-smoke.sh on a disposable host made on this one: devstack
# takes a host over (packages, sudo, MariaDB, RabbitMQ; its clean.sh purges
# the database and broker packages), so it gets a Debian 12 root of its own
# (debootstrap) in network, mount, PID and UTS namespaces of its own, with
# its own MariaDB and RabbitMQ. This host's packages and services are not
# touched; the root reaches the package registries through NAT.
#
#   tools/devstack-disposable-host.sh            # up, every smoke step, down
#   tools/devstack-disposable-host.sh up
#   tools/devstack-disposable-host.sh run [STEP...]   # devstack-smoke.sh steps
#   tools/devstack-disposable-host.sh shell
#   tools/devstack-disposable-host.sh down       # every process in it ends
#   tools/devstack-disposable-host.sh destroy    # down, and the root deleted
#
# As root. The smoke runs the checkout's committed HEAD, cloned into the
# root. Logs: $MIXMATCH_DEVSTACK_LOGS (default .devstack-logs of the
# checkout); devstack's own under <root>/opt/stack/logs.

set -o errexit -o nounset -o pipefail

CHECKOUT=$(cd "$(dirname "$0")/.." && pwd)
SMOKE=$CHECKOUT/tools/devstack-smoke
ROOT=${MIXMATCH_DEVSTACK_ROOT:-/var/lib/mixmatch-devstack/root}
LOGS=${MIXMATCH_DEVSTACK_LOGS:-$CHECKOUT/.devstack-logs}
DEVSTACK_SRC=${DEVSTACK_SRC:-/work/shared/reference/devstack}
MIRROR=${MIXMATCH_DEVSTACK_MIRROR:-http://deb.debian.org/debian}
STATE=/run/mixmatch-devstack-host
NETNS=mixmatch-devstack
# a /30 of its own: this host's end, the disposable host's end
HOST_END=10.201.53.1
ROOT_END=10.201.53.2
HOST_VETH=mmdevstack0
ROOT_VETH=mmdevstack1
# where the root sees the checkout's clone, its logs and devstack's source
ROOT_CHECKOUT=/opt/mixmatch
ROOT_LOGS=/var/log/mixmatch-devstack
ROOT_DEVSTACK_SRC=/opt/devstack-src
# what devstack-smoke.sh and devstack need before devstack installs more
PACKAGES=ca-certificates,python3,python3-venv,python3-pip,git,curl,sudo
PACKAGES+=,iproute2,procps,psmisc,openssl,lsb-release,patch,xmlsec1,less
PACKAGES+=,tzdata,locales

START=$(date +%s)
source "$SMOKE/steps.sh"

function holder_pid {
    local pid
    pid=$(cat "$STATE/holder.pid" 2>/dev/null) || return 1
    kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# inside COMMAND...: run it in the disposable host, as its root user
function inside {
    # --wd without a directory: the holder's, its root's /
    nsenter --target "$(holder_pid)" --mount --uts --net --pid --root \
        --wd env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin \
        HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" "$@"
}

# ---- up ------------------------------------------------------------------

function host_tools {
    local missing=()
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    command -v iptables >/dev/null || missing+=(iptables)
    if [[ ${#missing[@]} != 0 ]]; then
        apt-get install -y --no-install-recommends "${missing[@]}"
    fi
    echo "debootstrap $(dpkg-query -W -f '${Version}' debootstrap)," \
         "$(iptables --version)"
}

function make_root {
    if [[ -x $ROOT/usr/bin/python3 && -e $ROOT/.mixmatch-root-complete ]]; then
        echo "$ROOT: made before, reused"
        return 0
    fi
    rm -rf "$ROOT"
    mkdir -p "$(dirname "$ROOT")"
    debootstrap --variant=minbase --include="$PACKAGES" bookworm "$ROOT" \
        "$MIRROR"
    # no daemon of a package installed from here starts in this host's
    # network: the root's own services start once it is up, inside
    touch "$ROOT/.mixmatch-root-complete"
}

function network {
    if ! ip netns list | grep -qw "$NETNS"; then
        ip netns add "$NETNS"
        ip link add "$HOST_VETH" type veth peer name "$ROOT_VETH"
        ip link set "$ROOT_VETH" netns "$NETNS"
        ip addr add "$HOST_END/30" dev "$HOST_VETH"
        ip link set "$HOST_VETH" up
        ip -n "$NETNS" addr add "$ROOT_END/30" dev "$ROOT_VETH"
        ip -n "$NETNS" link set "$ROOT_VETH" up
        ip -n "$NETNS" link set lo up
        ip -n "$NETNS" route add default via "$HOST_END"
    fi
    # the root's way out to the package registries: forwarded and
    # masqueraded, this /30 only
    mkdir -p "$STATE"
    [[ -e $STATE/ip_forward ]] ||
        cat /proc/sys/net/ipv4/ip_forward > "$STATE/ip_forward"
    echo 1 > /proc/sys/net/ipv4/ip_forward
    iptables -t nat -C POSTROUTING -s "$ROOT_END/32" ! -o "$HOST_VETH" \
        -j MASQUERADE 2>/dev/null ||
        iptables -t nat -A POSTROUTING -s "$ROOT_END/32" ! -o "$HOST_VETH" \
            -j MASQUERADE
    echo "$NETNS: $ROOT_END, by $HOST_END to the registries"
}

# what the root takes of this host: its resolver, the CAs it adds to
# Debian's (a TLS-inspecting egress, say) and pip's settings (a venv's pip
# knows only its own CAs without them)
function root_settings {
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
    printf '127.0.0.1 localhost devstack\n::1 localhost\n' > "$ROOT/etc/hosts"
    echo devstack > "$ROOT/etc/hostname"
    cp -a /usr/local/share/ca-certificates/. \
        "$ROOT/usr/local/share/ca-certificates/"
    chroot "$ROOT" update-ca-certificates
    [[ ! -e /etc/pip.conf ]] || cp /etc/pip.conf "$ROOT/etc/pip.conf"
    # devstack and the sandbox both install packages: one waits for the
    # other's dpkg lock instead of failing
    echo 'DPkg::Lock::Timeout "900";' > "$ROOT/etc/apt/apt.conf.d/90lock-wait"
}

# the disposable host's PID 1 (tools/devstack-smoke/pid1)
function start_holder {
    if holder_pid >/dev/null; then
        echo "running: PID $(holder_pid)"
        return 0
    fi
    mkdir -p "$LOGS" "$ROOT$ROOT_LOGS" "$ROOT$ROOT_DEVSTACK_SRC"
    install -m 755 "$SMOKE/pid1" "$ROOT/usr/local/sbin/mixmatch-pid1"
    ip netns exec "$NETNS" unshare --mount --uts --pid --fork \
        --mount-proc="$ROOT/proc" bash -c '
            set -e
            root=$1 logs=$2 root_logs=$3
            mount --rbind /dev "$root/dev"
            mount --rbind /sys "$root/sys"
            mount --bind "$logs" "$root$root_logs"
            hostname devstack
            exec chroot "$root" /usr/local/sbin/mixmatch-pid1' \
        holder "$ROOT" "$LOGS" "$ROOT_LOGS" < /dev/null > /dev/null 2>&1 &
    local unshare=$! pid="" i
    for i in $(seq 50); do
        pid=$(pgrep -P "$unshare" || true)
        # the holder is up once it runs chrooted
        [[ -n $pid && $(readlink "/proc/$pid/root") == "$ROOT" ]] && break
        sleep 0.2
    done
    [[ -n $pid ]]
    echo "$pid" > "$STATE/holder.pid"
    echo "PID 1 of the disposable host: $pid here"
}

# the root's own MariaDB and RabbitMQ, as this machine kind has them
# (MariaDB root without a password on 127.0.0.1, RabbitMQ guest/guest)
function services {
    inside apt-get update
    inside env DEBIAN_FRONTEND=noninteractive apt-get install -y \
        --no-install-recommends mariadb-server rabbitmq-server
    inside bash -c '/etc/init.d/mariadb status >/dev/null ||
        /etc/init.d/mariadb start'
    inside bash -c '/etc/init.d/rabbitmq-server status >/dev/null 2>&1 ||
        /etc/init.d/rabbitmq-server start'
    inside mysql -uroot -e "ALTER USER root@localhost IDENTIFIED VIA
        unix_socket OR mysql_native_password USING PASSWORD('');
        CREATE USER IF NOT EXISTS root@127.0.0.1;
        GRANT ALL ON *.* TO root@127.0.0.1 WITH GRANT OPTION"
    inside mysql -uroot -h127.0.0.1 -e 'select version()'
    inside rabbitmqctl authenticate_user guest guest
}

function checkout_copy {
    inside rm -rf "$ROOT_CHECKOUT" "$ROOT_DEVSTACK_SRC"
    git clone -q "$CHECKOUT" "$ROOT$ROOT_CHECKOUT"
    git -C "$ROOT$ROOT_CHECKOUT" checkout -q -B \
        "$(git -C "$CHECKOUT" rev-parse --abbrev-ref HEAD)"
    cp -a "$DEVSTACK_SRC" "$ROOT$ROOT_DEVSTACK_SRC"
    echo "$ROOT_CHECKOUT: $(git -C "$ROOT$ROOT_CHECKOUT" log --oneline -1)"
}

function do_up {
    local log=$LOGS/host.log
    mkdir -p "$LOGS"
    step "debootstrap and iptables here" "$log" host_tools
    step "Debian 12 root $ROOT" "$log" make_root
    step "network namespace $NETNS" "$log" network
    step "resolver, CAs, pip and apt settings of this host" "$log" \
        root_settings
    step "namespaces of the disposable host" "$log" start_holder
    step "its own MariaDB and RabbitMQ" "$log" services
    step "the checkout's HEAD and devstack in it" "$log" checkout_copy
}

# ---- run, down -----------------------------------------------------------

function do_run {
    echo "in the disposable host: $ROOT_LOGS is $LOGS here," \
         "/ is $ROOT"
    inside env MIXMATCH_DEVSTACK_DISPOSABLE_HOST=yes \
        MIXMATCH_DEVSTACK_LOGS="$ROOT_LOGS" DEVSTACK_SRC="$ROOT_DEVSTACK_SRC" \
        bash "$ROOT_CHECKOUT/tools/devstack-smoke.sh" "$@"
}

function stop_holder {
    local pid
    if pid=$(holder_pid); then
        kill "$pid"
        while kill -0 "$pid" 2>/dev/null; do
            sleep 0.2
        done
        echo "PID 1 of the disposable host ended, and every process in it"
    fi
    rm -f "$STATE/holder.pid"
}

function network_down {
    iptables -t nat -D POSTROUTING -s "$ROOT_END/32" ! -o "$HOST_VETH" \
        -j MASQUERADE 2>/dev/null || true
    if [[ -e $STATE/ip_forward ]]; then
        cat "$STATE/ip_forward" > /proc/sys/net/ipv4/ip_forward
        rm "$STATE/ip_forward"
    fi
    ip link del "$HOST_VETH" 2>/dev/null || true
    ip netns del "$NETNS" 2>/dev/null || true
    echo "$NETNS, its link and NAT rule removed; ip_forward" \
         "$(cat /proc/sys/net/ipv4/ip_forward)"
}

function do_down {
    local log=$LOGS/host.log
    mkdir -p "$LOGS"
    step "the disposable host's processes" "$log" stop_holder
    step "its network" "$log" network_down
    step "this machine's MariaDB and RabbitMQ intact" "$log" \
        shared_services_intact
}

function do_destroy {
    do_down
    step "root $ROOT deleted" "$LOGS/host.log" rm -rf --one-file-system "$ROOT"
}

function main {
    if [[ $(id -u) != 0 ]]; then
        echo "$0: run as root (namespaces, debootstrap)" >&2
        exit 1
    fi
    local command=${1:-all}
    [[ $# == 0 ]] || shift
    case $command in
        all)
            do_up
            local rc=0
            do_run "$@" || rc=$?
            do_down
            return $rc ;;
        up|down|destroy) "do_$command" ;;
        run) do_run "$@" ;;
        shell) inside bash -l ;;
        *)
            echo "usage: $0 [all|up|run [STEP...]|shell|down|destroy]" >&2
            return 2 ;;
    esac
    printf '[%6ss] %s: done\n' "$(elapsed)" "$command"
}

main "$@"
