#!/usr/bin/env bash
# Run Nova's own unit tests for every module the mixmatch patch set
# touches, from the nova wheel installed in site-packages ($1).
# Usage: nova-unit-tests.sh SITE_PACKAGES
set -euo pipefail

site=${1:?usage: $0 SITE_PACKAGES}
run() {
    stestr --test-path "$site/nova/tests/unit/$1" --top-dir "$site" \
        run --concurrency 2 "${@:2}"
}

# nova/volume/cinder.py
run volume
# nova/conductor/manager.py
run conductor
# nova/api/openstack/compute/volume_attachments.py and its schemas
run api/openstack/compute 'test_volume'
# the server moves, create and rebuild: migrate_server.py, evacuate.py,
# servers.py and its schemas; rescue.py and its schema
run api/openstack/compute \
    'test_migrate_server|test_evacuate|test_servers|test_server_actions|test_rescue'
# shelve offload (shelve.py), which goes through api.servers.move too
run api/openstack/compute 'test_shelve'
# nova/image/glance.py
run image 'test_glance'
# nova/compute/api.py
run compute 'test_api\.'
# nova/extension_points.py (a new module; its tests come with the patch)
stestr --test-path "$site/nova/tests/unit" --top-dir "$site" \
    run --no-discover nova.tests.unit.test_extension_points
# nova/manager.py (the services' periodic tasks)
stestr --test-path "$site/nova/tests/unit" --top-dir "$site" \
    run --no-discover nova.tests.unit.test_manager
# nova/rpc.py (the request context on the message bus)
stestr --test-path "$site/nova/tests/unit" --top-dir "$site" \
    run --no-discover nova.tests.unit.test_rpc
