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
# install:     the package, then the Nova patch set (Nova is installed by
#              then; mixmatch-patch refuses a tree that does not match).
# post-config: nova.conf (and nova-cpu.conf) [mixmatch], before Nova
#              starts.
# extra:       the K2K service providers of MIXMATCH_SERVICE_PROVIDERS,
#              once Keystone runs; the home user and application
#              credential a provider's Cinder calls this Nova back as
#              (MIXMATCH_CINDER_CALLBACK_USER).
# post-config, on a provider (MIXMATCH_HOME_CLOUDS): cinder.conf, so that
#              its Cinder calls the home clouds' Nova back.
#
# The configuration goes through mixmatch-configure, the same command the
# mixmatch sandbox runs, so the sandbox exercises this code path.

MIXMATCH_XTRACE=$(set +o | grep xtrace)
set -o xtrace

function mixmatch_bin {
    echo "$(get_python_exec_prefix)/$1"
}

function install_mixmatch {
    setup_develop "$MIXMATCH_DIR"
    "$(mixmatch_bin mixmatch-patch)" apply
    "$(mixmatch_bin mixmatch-patch)" status
}

function configure_mixmatch_nova {
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
    local conf
    # nova-compute reads nova-cpu.conf in devstack; every Nova service
    # needs the section (routing happens in api, conductor and compute).
    for conf in "$NOVA_CONF" "${NOVA_CPU_CONF:-}"; do
        if [[ -n "$conf" && -f "$conf" ]]; then
            "$(mixmatch_bin mixmatch-configure)" nova \
                --config-file "$conf" "${args[@]}"
        fi
    done
    if [[ -n "$MIXMATCH_CINDER_CALLBACK_USER" ]]; then
        # Nova enforces application credential access rules only then.
        iniset "$NOVA_CONF" keystone_authtoken service_type compute
    fi
}

function configure_mixmatch_cinder {
    local entry id auth_url credential secret
    for entry in $MIXMATCH_HOME_CLOUDS; do
        IFS='|' read -r id auth_url credential secret <<< "$entry"
        if [[ -z "$id" || -z "$auth_url" || -z "$credential" || -z "$secret" ]]; then
            die "$LINENO" "MIXMATCH_HOME_CLOUDS: an entry is not id|auth_url|credential id|secret"
        fi
        MIXMATCH_APPLICATION_CREDENTIAL_SECRET="$secret" \
            "$(mixmatch_bin mixmatch-configure)" cinder \
            --config-file "$CINDER_CONF" --home-cloud "$id" \
            --home-auth-url "$auth_url" \
            --application-credential-id "$credential"
    done
}

# The home identity a provider's Cinder calls this cloud's Nova back as:
# service (external events) and admin (Nova finds the servers of events
# in every project only for an admin) on the service project, through an
# application credential. Its id and secret go to a 0600 file for the
# provider's MIXMATCH_HOME_CLOUDS.
function create_mixmatch_cinder_callback_user {
    local user=$MIXMATCH_CINDER_CALLBACK_USER
    local out=$DATA_DIR/mixmatch/$user-application-credential
    local role
    get_or_create_user "$user" "$SERVICE_PASSWORD" default
    for role in service admin; do
        get_or_add_user_project_role "$role" "$user" "$SERVICE_PROJECT_NAME"
    done
    if [[ -s "$out" ]]; then
        return
    fi
    mkdir -p "$(dirname "$out")"
    local secret rules
    secret=$(generate_hex_string 32)
    # only the calls cinder_mixmatch makes (Nova enforces them with
    # [keystone_authtoken] service_type, set in configure_mixmatch_nova)
    rules=$("$PYTHON" -c 'import json; from cinder_mixmatch import home_nova; print(json.dumps(home_nova.access_rules()))')
    local id
    id=$(env -u OS_CLOUD openstack --os-auth-url "$KEYSTONE_SERVICE_URI/v3" \
        --os-username "$user" --os-password "$SERVICE_PASSWORD" \
        --os-user-domain-id default --os-project-domain-id default \
        --os-project-name "$SERVICE_PROJECT_NAME" \
        application credential create "mixmatch-cinder-callbacks" \
        --secret "$secret" --access-rules "$rules" -f value -c id)
    (umask 077 && echo "$id|$secret" > "$out")
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

if is_service_enabled mixmatch; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing mixmatch and patching Nova"
        install_mixmatch
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring Nova for mixmatch"
        configure_mixmatch_nova
        if [[ -n "$MIXMATCH_HOME_CLOUDS" ]]; then
            echo_summary "Configuring Cinder for the home clouds' Nova"
            configure_mixmatch_cinder
        fi
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        echo_summary "Registering K2K service providers"
        register_mixmatch_service_providers
        if [[ -n "$MIXMATCH_CINDER_CALLBACK_USER" ]]; then
            echo_summary "Creating the providers' Cinder callback identity"
            create_mixmatch_cinder_callback_user
        fi
    fi
    if [[ "$1" == "clean" ]]; then
        "$(mixmatch_bin mixmatch-patch)" revert || true
    fi
fi

$MIXMATCH_XTRACE
