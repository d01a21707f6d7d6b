#!/usr/bin/env bash
# The end of `make test`: what this machine could not run, and the one command installing it.
# The same conditions the suites use to skip (tests/cluster/harness.py, tests/channels/browser.py,
# the test-pg target).
set -uo pipefail
skipped=()
packages=()
have_pg() { ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; }
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  skipped+=("PostgreSQL suite: TEST_DATABASE_URL not set (.ci/run starts a throwaway PostgreSQL and sets it)")
  have_pg || packages+=(postgresql)
fi
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  skipped+=("browser tests (widget, console): chromium and chromedriver not found")
  packages+=(chromium chromium-driver)
fi
cluster_missing=()
command -v nginx >/dev/null 2>&1 || cluster_missing+=(nginx)
command -v redis-server >/dev/null 2>&1 || cluster_missing+=(redis-server)
have_pg || cluster_missing+=(postgresql)
if [ ${#cluster_missing[@]} -gt 0 ]; then
  skipped+=("cluster tests and the Redis lock-store tests: ${cluster_missing[*]} not installed")
  packages+=("${cluster_missing[@]}")
fi
if [ ${#skipped[@]} -eq 0 ]; then
  echo "make test: nothing skipped."
  exit 0
fi
echo
echo "make test skipped:"
for line in "${skipped[@]}"; do echo "  - $line"; done
if [ ${#packages[@]} -gt 0 ]; then
  echo "install: sudo apt-get install -y $(printf '%s\n' "${packages[@]}" | sort -u | tr '\n' ' ')"
fi
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  echo "then run the PostgreSQL suite with: sudo .ci/run   (or TEST_DATABASE_URL=postgresql://... make test)"
fi
