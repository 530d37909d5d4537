#!/usr/bin/env bash
# The full test run behind `pnpm test`: build, typecheck, no tests in dist/, the
# release tarball and its smoke test, lint, the formatter's check, unit and
# integration tests (vitest, including multi-process and PostgreSQL suites), the
# Playwright e2e suites against the real built server in Debian's Chromium, and the
# release and most of vitest again on Node 22 and 24.
# Every stage runs even when an earlier one failed, so one run shows every failure;
# the exit code is non-zero if any stage failed.
set -uo pipefail
cd "$(dirname "$0")/.."

failed=()
stage() {
  local name=$1; shift
  printf '\n=== %s ===\n' "$name"
  if ! "$@"; then failed+=("$name"); fi
}

mkdir -p test-results
rm -f test-results/vitest-results.json test-results/e2e-results.json

stage "test services" bash scripts/ensure-test-services.sh
stage "build (tsc --build + vite build)" pnpm run build
stage "build output (no tests or harnesses in dist/)" pnpm run check:build-output
stage "release (pnpm release, then the unpacked tarball's smoke test)" bash -c 'RELEASE_SKIP_BUILD=1 bash scripts/release.sh && node scripts/release-smoke.mjs'
stage "lint" pnpm run lint
stage "format (prettier --check)" pnpm run format:check
stage "unit and integration (vitest)" pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest-results.json
stage "e2e (playwright)" pnpm run test:e2e
stage "Node 22 and 24 (release smoke test, vitest without the reliability suites)" bash scripts/node-matrix.sh 22 24

node scripts/summarize-tests.mjs || failed+=("summary")

if [ ${#failed[@]} -gt 0 ]; then
  printf '\nFAILED stages: %s\n' "${failed[*]}"
  exit 1
fi
printf '\nAll stages passed.\n'
