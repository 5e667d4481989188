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

# devstack plugin of mixmatch: enable_plugin mixmatch <repo>
#
# pre-install: refuse a Nova without [service_user] (NOVA_USE_SERVICE_TOKEN).
# install:     the package; where Nova runs, the Nova patch set (Nova is
#              installed by then; mixmatch-patch refuses a tree that does
#              not match, and the run stops there).
# post-config: [mixmatch] in nova.conf and the cell conductors' confs,
#              before Nova starts.
# extra, where Keystone runs: the K2K service providers of
#              MIXMATCH_SERVICE_PROVIDERS; the home user and application
#              credential a provider's Cinder calls this Nova back as
#              (MIXMATCH_CINDER_CALLBACK_USER).
# post-config, on a provider (MIXMATCH_HOME_CLOUDS): cinder.conf, so that
#              its Cinder calls the home clouds' Nova back.
# clean:       mixmatch-patch revert.
#
# The configuration goes through mixmatch-configure, the same command the
# mixmatch sandbox runs, so the sandbox exercises this code path.

MIXMATCH_XTRACE=$(set +o | grep xtrace)
set -o xtrace

function mixmatch_bin {
    echo "$(get_python_exec_prefix)/$1"
}

function check_mixmatch_nova_service_user {
    # [mixmatch] auth_section names Nova's [service_user], which devstack
    # writes only with NOVA_USE_SERVICE_TOKEN=True.
    if [[ "$NOVA_USE_SERVICE_TOKEN" != "True" ]]; then
        die "$LINENO" "mixmatch needs NOVA_USE_SERVICE_TOKEN=True: Nova's" \
            "[service_user] is the identity it federates to the providers"
    fi
}

function install_mixmatch {
    setup_develop "$MIXMATCH_DIR"
    if ! is_service_enabled nova; then
        return
    fi
    if ! "$(mixmatch_bin mixmatch-patch)" apply; then
        die "$LINENO" "mixmatch-patch could not patch the installed Nova" \
            "(NOVA_BRANCH=$NOVA_BRANCH): the patch set is for Nova" \
            "34.0.0 (2026.2)"
    fi
    "$(mixmatch_bin mixmatch-patch)" status
}

function configure_mixmatch_nova {
    # devstack's background configure_neutron_nova writes $NOVA_CONF
    # too; mixmatch-configure rewrites the file, which would lose its keys.
    async_wait configure_neutron_nova
    # Nova's [service_user] identity, federated by K2K, gives the service
    # token the providers' Cinder wants for detach-type calls.
    local args=(--home-auth-url "$MIXMATCH_HOME_AUTH_URL"
                --auth-section service_user)
    if [[ -n "$MIXMATCH_ALLOWED_SERVICE_PROVIDERS" ]]; then
        args+=(--service-providers "$MIXMATCH_ALLOWED_SERVICE_PROVIDERS")
    fi
    if [[ -n "$MIXMATCH_CAFILE" ]]; then
        args+=(--cafile "$MIXMATCH_CAFILE")
    fi
    # nova-cpu.conf is copied from nova.conf when nova-compute starts; the
    # cell conductors read only their own nova_cellN.conf, which has no
    # [service_user] of devstack's.
    "$(mixmatch_bin mixmatch-configure)" nova --config-file "$NOVA_CONF" \
        "${args[@]}"
    local i conf
    if [[ "$CELLSV2_SETUP" == "superconductor" ]]; then
        for i in $(seq 1 "$NOVA_NUM_CELLS"); do
            conf=$(conductor_conf "$i")
            if [[ -f "$conf" ]]; then
                configure_keystoneauth "$conf" nova service_user
                "$(mixmatch_bin mixmatch-configure)" nova \
                    --config-file "$conf" "${args[@]}"
            fi
        done
    fi
    if [[ -n "$MIXMATCH_CINDER_CALLBACK_USER" ]]; then
        # Nova enforces application credential access rules only then.
        iniset "$NOVA_CONF" keystone_authtoken service_type compute
    fi
}

function configure_mixmatch_cinder {
    local xtrace
    xtrace=$(set +o | grep xtrace)
    set +o xtrace
    local entry id auth_url credential secret
    for entry in $MIXMATCH_HOME_CLOUDS; do
        IFS='|' read -r id auth_url credential secret <<< "$entry"
        if [[ -z "$id" || -z "$auth_url" || -z "$credential" || -z "$secret" ]]; then
            die "$LINENO" "MIXMATCH_HOME_CLOUDS: an entry is not id|auth_url|credential id|secret"
        fi
        echo "mixmatch: cinder.conf calls the Nova of home cloud $id back"
        MIXMATCH_APPLICATION_CREDENTIAL_SECRET="$secret" \
            "$(mixmatch_bin mixmatch-configure)" cinder \
            --config-file "$CINDER_CONF" --home-cloud "$id" \
            --home-auth-url "$auth_url" \
            --application-credential-id "$credential"
    done
    $xtrace
}

# openstack as the callback user, whose password stays out of argv. The
# venv's own client: devstack's openstack-cli-server passes on only some
# OS_* variables (no domains).
function mixmatch_callback_user_openstack {
    (
        unset OS_CLOUD
        export OS_AUTH_URL=$KEYSTONE_SERVICE_URI_V3
        export OS_USERNAME=$MIXMATCH_CINDER_CALLBACK_USER
        export OS_PASSWORD=$SERVICE_PASSWORD
        export OS_USER_DOMAIN_NAME=$SERVICE_DOMAIN_NAME
        export OS_PROJECT_NAME=$SERVICE_PROJECT_NAME
        export OS_PROJECT_DOMAIN_NAME=$SERVICE_DOMAIN_NAME
        "$(mixmatch_bin openstack)" "$@"
    )
}

# The home identity a provider's Cinder calls this cloud's Nova back as:
# service (external events) and admin (Nova finds the servers of events
# in every project only for an admin) on the service project, through an
# application credential. Its id and secret go to a 0600 file for the
# provider's MIXMATCH_HOME_CLOUDS; a file naming a credential Keystone no
# longer has (RECREATE_KEYSTONE_DB on a re-stack) is replaced.
function create_mixmatch_cinder_callback_user {
    local xtrace
    xtrace=$(set +o | grep xtrace)
    set +o xtrace
    local user=$MIXMATCH_CINDER_CALLBACK_USER
    local name=mixmatch-cinder-callbacks
    local out=$DATA_DIR/mixmatch/$user-application-credential
    create_service_user "$user" admin
    local current="" saved=""
    current=$(mixmatch_callback_user_openstack application credential show \
        "$name" -f value -c id 2>/dev/null) || current=""
    if [[ -s "$out" ]]; then
        IFS='|' read -r saved _ < "$out"
    fi
    if [[ -n "$current" && "$current" == "$saved" ]]; then
        echo "mixmatch: application credential $current of $user kept"
        $xtrace
        return
    fi
    if [[ -n "$current" ]]; then
        # its secret is lost with the file: only a new one can be known
        mixmatch_callback_user_openstack application credential delete "$current"
    fi
    # only the calls cinder_mixmatch makes, under the path of this Nova's
    # endpoint (/compute/v2.1 here); Nova enforces them with
    # [keystone_authtoken] service_type, set in configure_mixmatch_nova
    local compute_url rules created
    compute_url=$(openstack --os-cloud "$MIXMATCH_ADMIN_CLOUD" endpoint list \
        --service compute --interface public -f value -c URL)
    rules=$("$PYTHON" -c 'import json, sys
from cinder_mixmatch import home_nova
print(json.dumps(home_nova.access_rules(sys.argv[1])))' "$compute_url")
    # Keystone makes the secret, which never appears in argv
    created=$(mixmatch_callback_user_openstack application credential create \
        "$name" --access-rules "$rules" -f json)
    mkdir -p "$(dirname "$out")"
    (umask 077 && "$PYTHON" -c 'import json, sys
c = {k.lower(): v for k, v in json.load(sys.stdin).items()}
print("%s|%s" % (c["id"], c["secret"]))' <<< "$created" > "$out")
    IFS='|' read -r saved _ < "$out"
    echo "mixmatch: application credential $saved of $user in $out"
    $xtrace
}

function register_mixmatch_service_providers {
    local entry id auth_url sp_url
    for entry in $MIXMATCH_SERVICE_PROVIDERS; do
        IFS='|' read -r id auth_url sp_url <<< "$entry"
        if [[ -z "$id" || -z "$auth_url" || -z "$sp_url" ]]; then
            die "$LINENO" "MIXMATCH_SERVICE_PROVIDERS: '$entry' is not id|auth_url|sp_url"
        fi
        "$(mixmatch_bin mixmatch-configure)" --os-cloud "$MIXMATCH_ADMIN_CLOUD" \
            register-service-provider "$id" \
            --auth-url "$auth_url" --sp-url "$sp_url"
    done
}

function clean_mixmatch {
    local patch_cmd
    patch_cmd=$(mixmatch_bin mixmatch-patch)
    if [[ ! -x "$patch_cmd" ]] || ! is_service_enabled nova; then
        return
    fi
    if ! "$patch_cmd" revert; then
        die "$LINENO" "mixmatch-patch revert failed: Nova stays patched"
    fi
}

if is_service_enabled mixmatch; then
    if [[ "$1" == "stack" && "$2" == "pre-install" ]]; then
        if is_service_enabled nova; then
            check_mixmatch_nova_service_user
        fi
    elif [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing mixmatch and patching Nova"
        install_mixmatch
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        if is_service_enabled nova; then
            echo_summary "Configuring Nova for mixmatch"
            configure_mixmatch_nova
        fi
        if is_service_enabled cinder && [[ -n "$MIXMATCH_HOME_CLOUDS" ]]; then
            echo_summary "Configuring Cinder for the home clouds' Nova"
            configure_mixmatch_cinder
        fi
    elif [[ "$1" == "stack" && "$2" == "extra" ]] && \
            is_service_enabled keystone; then
        echo_summary "Registering K2K service providers"
        register_mixmatch_service_providers
        if [[ -n "$MIXMATCH_CINDER_CALLBACK_USER" ]]; then
            echo_summary "Creating the providers' Cinder callback identity"
            create_mixmatch_cinder_callback_user
        fi
    elif [[ "$1" == "clean" ]]; then
        clean_mixmatch
    fi
fi

$MIXMATCH_XTRACE
