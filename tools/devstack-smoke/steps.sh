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

# What the devstack scripts share: progress (each step with its elapsed
# time and its log) and the check of the MariaDB and RabbitMQ devstack must
# not touch. Sourced; START is the script's start (date +%s).

function elapsed {
    echo $(( $(date +%s) - START ))
}

# step NAME LOG COMMAND...: run it, its output to LOG, saying how long; on
# failure the end of LOG
function step {
    local name=$1 log=$2
    shift 2
    printf '[%6ss] %s (log: %s)\n' "$(elapsed)" "$name" "$log"
    local t0 rc=0
    t0=$(date +%s)
    # in the background, where errexit still stops it at its first failure
    ("$@") >> "$log" 2>&1 &
    wait $! || rc=$?
    printf '[%6ss] %s: %s in %ss\n' "$(elapsed)" "$name" \
        "$([[ $rc == 0 ]] && echo done || echo "FAILED (exit $rc)")" \
        "$(( $(date +%s) - t0 ))"
    if [[ $rc != 0 ]]; then
        tail -n 25 "$log" | sed 's/^/    /'
        return $rc
    fi
}

# the host's MariaDB and RabbitMQ, as this machine kind has them: root
# logs in without a password (and only from here), guest logs in
function shared_services_intact {
    mysql --no-defaults -uroot -h127.0.0.1 -P3306 -sN \
        -e 'select concat("shared MariaDB ", version(), " ", @@datadir)'
    echo "shared MariaDB: root logs in without a password"
    local extra
    extra=$(mysql --no-defaults -uroot -h127.0.0.1 -P3306 -sN -e \
        "select count(*) from mysql.user where user = 'root' and host = '%'")
    echo "shared MariaDB: root@'%' accounts: $extra"
    [[ $extra == 0 ]]
    /usr/sbin/rabbitmqctl authenticate_user guest guest
}
