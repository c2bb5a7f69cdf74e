#!/bin/sh
# Runs the dashboard's unit tests with Node's own test runner (no packages). Without node they are
# skipped, unless ATMOSPHERE_REQUIRE_ENV_TESTS=1 says the environment must have it.
dir=$(dirname "$0")
if ! command -v node >/dev/null 2>&1; then
  if [ "${ATMOSPHERE_REQUIRE_ENV_TESTS:-}" = 1 ]; then
    echo "ui: node is needed for the dashboard's unit tests and missing (.ci/run installs it)" >&2
    exit 1
  fi
  echo "ui: node is not installed: the dashboard's unit tests are skipped"
  exit 0
fi
exec node --test "$dir"/*.test.mjs
