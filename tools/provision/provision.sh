#!/usr/bin/env bash
# Brings this machine to what `npm start` (`provision.sh start`) or `npm test` (`provision.sh test`)
# needs, installing only what is missing. Plain bash, so it runs before node_modules exists; idempotent
# and quick when everything is there (no package manager is asked then). Used by `npm start`,
# `npm test` and `.ci/run`.
#
#   start  npm dependencies; nats-server when no NATS answers (the launcher then starts one and falls
#          back to embedded PostgreSQL by itself)
#   test   npm dependencies; PostgreSQL (trust on 127.0.0.1:5432) and NATS with JetStream
#          (127.0.0.1:4222) running; slapd + ldap-utils, kubectl, Chromium, Prometheus, Alertmanager
#          and docker-compose installed (the suites start their own slapd, Prometheus and Alertmanager)
#
# Where it cannot install (not root and no sudo, or no apt-get) it prints one line naming what is
# missing and how to get it, and exits 1. CUBE_PROVISION_SBIN (default /usr/local/sbin:/usr/sbin:/sbin)
# is where system daemons are looked for besides PATH; CUBE_PROVISION_SKIP_NPM=1 leaves node_modules alone.
set -euo pipefail

mode="${1:-}"
case "$mode" in
  start | test) ;;
  *) echo "usage: provision.sh start|test" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/../.."

say() { echo "provision: $*"; }
fail() { echo "provision: $*" >&2; exit 1; }

# Daemons live in sbin, which a non-root PATH often lacks.
sbin="${CUBE_PROVISION_SBIN-/usr/local/sbin:/usr/sbin:/sbin}"
[ -z "$sbin" ] || export PATH="$PATH:$sbin"
have() { command -v "$1" >/dev/null 2>&1; }
tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# How we become root for apt-get, or why we cannot (checked only when something is missing).
root_cmd=()
install_blocker() {
  if ! have apt-get; then echo "apt-get is not available (not a Debian/Ubuntu machine)"; return; fi
  if [ "$(id -u)" -eq 0 ]; then root_cmd=(); return; fi
  if have sudo && sudo -n true 2>/dev/null; then root_cmd=(sudo -n); return; fi
  echo "not root and no password-less sudo"
}
as_root() { "${root_cmd[@]}" "$@"; }

# Installs Debian packages in one apt-get run, or stops with one line saying what to install by hand.
apt_install() {
  local blocker
  blocker="$(install_blocker)"
  [ -z "$blocker" ] || fail "missing $* and cannot install it: $blocker. Install the Debian packages $* (or their equivalents) and run again."
  install_blocker >/dev/null # sets root_cmd in this shell
  say "installing $* (apt-get)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends "$@" >/dev/null
}

# --- npm dependencies ------------------------------------------------------------------------------
# node_modules/.package-lock.json is npm's record of what it installed: when a pull changed
# package-lock.json, the two disagree (platform packages npm skipped are optional, so not counted).
npm_drift() {
  node -e '
    const read = (file) => JSON.parse(require("fs").readFileSync(file, "utf8")).packages;
    const wanted = read("package-lock.json"), installed = read("node_modules/.package-lock.json");
    const drift = [];
    for (const [path, entry] of Object.entries(wanted)) {
      if (!path) continue;
      const have = installed[path];
      if (!have) { if (!entry.optional && !entry.devOptional) drift.push(path.slice(13) + " missing"); }
      else if (have.version !== entry.version) drift.push(path.slice(13) + " " + have.version + " instead of " + entry.version);
    }
    for (const path of Object.keys(installed)) if (path && !wanted[path]) drift.push(path.slice(13) + " not in the lockfile");
    if (drift.length) console.log(drift.slice(0, 3).join(", ") + (drift.length > 3 ? ", and " + (drift.length - 3) + " more" : ""));
  '
}
if [ "${CUBE_PROVISION_SKIP_NPM:-}" != 1 ]; then
  if [ ! -f node_modules/.package-lock.json ]; then
    say "node_modules is missing: npm ci"
    npm ci --no-audit --no-fund
  else
    drift="$(npm_drift)"
    if [ -n "$drift" ]; then
      say "node_modules does not match package-lock.json ($drift): npm ci"
      npm ci --no-audit --no-fund
    fi
  fi
fi

# --- start: only what the launcher cannot do without -----------------------------------------------
if [ "$mode" = start ]; then
  nats_url="${NATS_URL:-nats://127.0.0.1:4222}"
  nats_hostport="${nats_url#*://}"; nats_hostport="${nats_hostport%%,*}"; nats_hostport="${nats_hostport%%/*}"
  nats_host="${nats_hostport%:*}"; nats_port="${nats_hostport##*:}"
  [ "$nats_port" != "$nats_hostport" ] || nats_port=4222
  if [ -z "${NATS_URL:-}" ] && ! tcp_open "$nats_host" "$nats_port" && ! have nats-server; then
    apt_install nats-server
  fi
  exit 0
fi

# --- test: the packages every suite needs, in one apt-get run ---------------------------------------
missing=()
have pg_ctlcluster || missing+=(postgresql)
have nats-server || missing+=(nats-server)
have slapd && have ldapsearch || missing+=(slapd ldap-utils)
have kubectl || missing+=(kubectl)
have chromium || missing+=(chromium)
have prometheus || missing+=(prometheus)
have prometheus-alertmanager || missing+=(prometheus-alertmanager)
# docker-config validation needs Compose (no engine): the v2 plugin, else Debian's docker-compose.
have docker-compose || { have docker && docker compose version >/dev/null 2>&1; } || missing+=(docker-compose)
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}"
  # Debian starts packaged daemons on install where it can; the suites run their own Prometheus,
  # Alertmanager and slapd, so the packaged services are not needed (nor harmful).
fi

# PostgreSQL with trust auth on 127.0.0.1:5432, as the tests expect.
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$version" ] || fail "PostgreSQL is installed but has no cluster under /etc/postgresql: create one (pg_createcluster)"
  blocker="$(install_blocker)"
  [ -z "$blocker" ] || fail "PostgreSQL does not answer on 127.0.0.1:5432 and cannot be started: $blocker. Start it: pg_ctlcluster $version main start"
  install_blocker >/dev/null
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  if ! as_root grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
    say "PostgreSQL: trust for 127.0.0.1 in $hba"
    as_root sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
  fi
  say "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
  pg_isready -q -h 127.0.0.1 -p 5432 || fail "PostgreSQL did not come up on 127.0.0.1:5432"
fi

# NATS with JetStream on 127.0.0.1:4222.
if ! tcp_open 127.0.0.1 4222; then
  blocker="$(install_blocker)"
  [ -z "$blocker" ] || fail "NATS does not answer on 127.0.0.1:4222 and cannot be started: $blocker. Start it: nats-server -a 127.0.0.1 -p 4222 -js"
  install_blocker >/dev/null
  say "starting nats-server with JetStream on 127.0.0.1:4222"
  as_root mkdir -p /var/lib/nats-server
  as_root start-stop-daemon --start --oknodo --background --exec "$(command -v nats-server)" -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  for _ in $(seq 1 60); do tcp_open 127.0.0.1 4222 && break; sleep 0.5; done
  tcp_open 127.0.0.1 4222 || fail "NATS did not come up on 127.0.0.1:4222 (see /var/log/nats-server.log)"
fi
