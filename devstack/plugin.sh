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
#              once Keystone runs.
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
    # cinder.conf: nothing yet. The Cinder-side plugin (cinder_mixmatch)
    # that a storage cloud serving foreign Novas needs is not built.
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
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        echo_summary "Registering K2K service providers"
        register_mixmatch_service_providers
    fi
    if [[ "$1" == "clean" ]]; then
        "$(mixmatch_bin mixmatch-patch)" revert || true
    fi
fi

$MIXMATCH_XTRACE
