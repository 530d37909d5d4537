#!/usr/bin/env bash
# Makes sure the machine has what the full test run needs beyond npm packages:
# Debian's Chromium for Playwright (it cannot download its own browser here),
# Debian's python3-proxmoxer for the PBS conformance suite, and a running local
# PostgreSQL for the PostgreSQL suites. Safe to run repeatedly.
set -uo pipefail

say() { printf 'ensure-test-services: %s\n' "$*"; }

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's chromium for the e2e suites"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
      || say "WARNING: could not install chromium; the e2e suites will fail"
  else
    say "WARNING: /usr/bin/chromium is missing and cannot be installed here (need root and apt-get)"
  fi
fi

# A real PBS client for the conformance suite (apps/bff/src/pbs-compat/proxmoxer.test.ts).
if ! /usr/bin/python3 -c 'import proxmoxer' >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's python3-proxmoxer for the PBS conformance suite"
    { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-proxmoxer >/dev/null; } \
      || say "WARNING: could not install python3-proxmoxer; the proxmoxer conformance test will fail"
  else
    say "WARNING: python3-proxmoxer is missing and cannot be installed here (need root and apt-get)"
  fi
fi

pg_ready() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; }
if ! pg_ready; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    say "starting the local PostgreSQL cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
  fi
fi
if pg_ready; then
  say "PostgreSQL is reachable on 127.0.0.1:5432"
else
  say "WARNING: no PostgreSQL on 127.0.0.1:5432; the PostgreSQL suites will report themselves skipped (and fail under CI=true)"
fi
exit 0
