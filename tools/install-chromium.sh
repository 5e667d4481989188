#!/usr/bin/env bash
# Debian's chromium and chromium-driver, for the dashboard's browser
# tests (tests/integration/test_dashboard.py); installed with apt-get,
# as root, when missing.
set -euo pipefail

missing=()
for package in chromium chromium-driver; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
chromium --version
chromedriver --version
