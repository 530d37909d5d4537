#!/usr/bin/env bash
# `pnpm release`: builds release/gatehouse/ and release/gatehouse-<version>-<os>-<arch>.tar.gz,
# a directory that runs on a machine with only Node.js:
#
#   gatehouse/bin/gatehouse       launcher: `serve`, or any admin CLI command
#   gatehouse/app/                the compiled server and CLI with its production
#                                 dependencies (argon2 compiled for this os/arch)
#   gatehouse/web/dist/           the built console, where the server looks for it
#   gatehouse/contrib/            systemd unit and an example config file
#
# RELEASE_SKIP_BUILD=1 reuses the current build (scripts/test-all.sh has just made it).
set -euo pipefail
cd "$(dirname "$0")/.."

out=${RELEASE_DIR:-release}
version=$(node -p 'require("./apps/bff/package.json").version')
platform=$(node -p 'process.platform + "-" + process.arch')
stage="$out/gatehouse"
tarball="$out/gatehouse-$version-$platform.tar.gz"

if [ "${RELEASE_SKIP_BUILD:-0}" != 1 ]; then pnpm run build; fi
for built in apps/bff/dist/main.js apps/bff/dist/cli.js packages/auth-core/dist/index.js apps/web/dist/index.html; do
  [ -f "$built" ] || { echo "release: $built is missing; run pnpm build" >&2; exit 1; }
done

rm -rf "$stage" "$tarball"
mkdir -p "$out"
# A copy of the bff package with only its production dependencies, the workspace
# package auth-core copied in rather than linked, and argon2 as pnpm built it
# (from pnpm's side-effects cache: nothing is compiled or downloaded again).
pnpm --config.inject-workspace-packages=true --filter @gatehouse/bff deploy --prod --prefer-offline "$stage/app" >/dev/null
rm -f "$stage/app/pnpm-lock.yaml"
# Tests, test harnesses, declarations and source maps are not part of a release.
find "$stage/app" \( -path "$stage/app/dist/*" -o -path '*/node_modules/@gatehouse/*/dist/*' \) -type f \
  \( -name '*.test.*' -o -name '*.d.ts' -o -name '*.map' \) -delete
rm -rf "$stage/app/dist/test-support" "$stage/app/dist/reliability" "$stage/app/dist/multi-node"
find "$stage/app" -name "*.tsbuildinfo" -delete

mkdir -p "$stage/web" "$stage/bin" "$stage/contrib"
cp -R apps/web/dist "$stage/web/dist"
install -m 0755 scripts/release/gatehouse "$stage/bin/gatehouse"
cp contrib/gatehouse.service contrib/gatehouse.env "$stage/contrib/"
printf '%s\n' "$version" > "$stage/VERSION"

# Every symlink must stay inside the release, or it would not survive the copy to a server.
outside=$(cd "$stage" && find . -type l -exec sh -c 'case "$(readlink -f "$1")" in "$2"/*) ;; *) echo "$1";; esac' _ {} "$(pwd -P)" \;)
if [ -n "$outside" ]; then
  echo "release: symlinks leave the release directory:" >&2
  echo "$outside" >&2
  exit 1
fi

tar -C "$out" -czf "$tarball" gatehouse
echo "release: $tarball ($(du -sh "$stage" | cut -f1) unpacked)"
