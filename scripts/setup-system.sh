#!/usr/bin/env bash
# Idempotent system setup for goprobe's tests: Go toolchains, stock bpftrace,
# tracefs, an offset-capable bpftrace rebuilt from Debian's source package, and
# Debian 13's and Debian unstable's bpftraces in private roots.
# Safe to run repeatedly: every step checks first and does nothing when satisfied.
# Without root it reports what it could not do and exits 0, so that the tests
# can report themselves as not run (loudly) instead of failing here.
set -u
# --quick: only what running a program needs (stock bpftrace, tracefs), for `npm start`.
QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1

CACHE="${GOPROBE_CACHE:-$HOME/.cache/goprobe}"
# bpftrace 0.17's --info says "unsafe uprobe: no" even for this build (it tests a macro the
# build never defines): goprobe and the tests find out by attaching once (src/bpftrace/offset-support.ts).
UNSAFE_BPFTRACE="$CACHE/bpftrace-unsafe/bpftrace"
say() { printf 'setup: %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
  say "not root: cannot install packages, mount tracefs or build bpftrace."
  say "end-to-end tests will report themselves as NOT RUN."
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt_updated=0
apt_update() { [ "$apt_updated" = 1 ] || { apt-get update -qq >/dev/null && apt_updated=1; }; }
need_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
install_pkgs() {
  local missing=()
  for p in "$@"; do need_pkg "$p" || missing+=("$p"); done
  [ ${#missing[@]} = 0 ] && return 0
  say "installing ${missing[*]}"
  apt_update
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Go: Debian's golang-go only when no go is on PATH; go1.19 always, as a second toolchain.
command -v go >/dev/null 2>&1 || install_pkgs golang-go
if [ "$QUICK" = 1 ]; then install_pkgs bpftrace; else install_pkgs golang-1.19-go bpftrace binutils; fi

# tracefs: bpftrace attaches uprobes through it.
if [ ! -e /sys/kernel/tracing/uprobe_events ]; then
  say "mounting tracefs at /sys/kernel/tracing"
  mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || say "could not mount tracefs"
fi
if [ ! -e /sys/kernel/debug/tracing ] && [ -d /sys/kernel/debug ]; then
  mountpoint -q /sys/kernel/debug || mount -t debugfs nodev /sys/kernel/debug 2>/dev/null || true
fi

[ "$QUICK" = 1 ] && exit 0

# Offset-capable bpftrace: Debian's 0.17 rebuilt with ALLOW_UNSAFE_PROBE.
if [ -x "$UNSAFE_BPFTRACE" ]; then
  say "offset-capable bpftrace present at $UNSAFE_BPFTRACE"
else
  say "building offset-capable bpftrace into $CACHE/bpftrace-unsafe (a few minutes, once)"
  if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src .*bookworm ' /etc/apt/sources.list; then
    cat > /etc/apt/sources.list.d/goprobe-deb-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    apt_updated=0
  fi
  apt_update
  install_pkgs dpkg-dev cmake
  apt-get build-dep -y -qq bpftrace >/dev/null
  src="$CACHE/bpftrace-src"
  rm -rf "$src" && mkdir -p "$src" && cd "$src" || exit 1
  apt-get source -qq bpftrace >/dev/null 2>&1
  dir=$(find "$src" -mindepth 1 -maxdepth 1 -type d -name 'bpftrace-[0-9]*' | head -n1)
  [ -n "$dir" ] || { say "apt-get source bpftrace failed"; exit 1; }
  mkdir -p "$dir/build" && cd "$dir/build" || exit 1
  cmake .. -DCMAKE_BUILD_TYPE=Release -DALLOW_UNSAFE_PROBE=ON -DBUILD_TESTING=OFF \
    -DUSE_SYSTEM_BPF_BCC=1 >"$CACHE/bpftrace-cmake.log" 2>&1 || { say "cmake failed: see $CACHE/bpftrace-cmake.log"; exit 1; }
  make -j"$(nproc)" bpftrace >"$CACHE/bpftrace-make.log" 2>&1 || { say "make failed: see $CACHE/bpftrace-make.log"; exit 1; }
  mkdir -p "$(dirname "$UNSAFE_BPFTRACE")"
  # Copied under a temporary name, then renamed: an interrupted copy never passes the -x check above.
  cp src/bpftrace "$UNSAFE_BPFTRACE.tmp" && mv "$UNSAFE_BPFTRACE.tmp" "$UNSAFE_BPFTRACE"
  cd / && rm -rf "$src"  # leave the build tree before removing it: later steps run from here
  say "built $UNSAFE_BPFTRACE"
fi
# Newer bpftraces (Debian 13's and the newest Debian unstable serves) beside the stock 0.17,
# without replacing any system library: each one's whole dependency closure, glibc included,
# is unpacked into a private root and started through that root's own loader.
# The trixie and sid sources are pinned at priority 1 so that no system package ever
# upgrades from them; only `-t <suite>` (an explicit request) selects their versions.
NEWER_SOURCES=/etc/apt/sources.list.d/goprobe-newer-bpftrace.sources
NEWER_PIN=/etc/apt/preferences.d/goprobe-newer-bpftrace
newer_bpftrace_sources() {
  [ -f "$NEWER_SOURCES" ] && [ -f "$NEWER_PIN" ] && return 0
  cat > "$NEWER_PIN" <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 1

Package: *
Pin: release n=sid
Pin-Priority: 1
PIN
  cat > "$NEWER_SOURCES" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt_updated=0
}
# Usage: newer_bpftrace SUITE. Leaves $CACHE/bpftrace-SUITE/{root,bpftrace}; the test
# harness finds every $CACHE/bpftrace-*/bpftrace.
newer_bpftrace() {
  local suite=$1 dir="$CACHE/bpftrace-$1"
  if [ -x "$dir/bpftrace" ] && "$dir/bpftrace" --version >/dev/null 2>&1; then
    say "bpftrace from $suite present: $("$dir/bpftrace" --version) at $dir/bpftrace"
    return 0
  fi
  newer_bpftrace_sources
  apt_update
  local started=$SECONDS tmp pkgs
  mkdir -p "$CACHE" && tmp=$(mktemp -d "$CACHE/.bpftrace-$suite.XXXXXX") || return 1
  pkgs=$(apt-cache depends -t "$suite" --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances bpftrace | grep -v '^ ' | grep -v '<' | sort -u)
  mkdir -p "$tmp/debs" "$tmp/root"
  # shellcheck disable=SC2086 # one package name per word
  if ! (cd "$tmp/debs" && apt-get download -qq -t "$suite" $pkgs >/dev/null 2>&1); then
    say "could not download bpftrace's packages from $suite"; rm -rf "$tmp"; return 1
  fi
  local size
  size=$(du -sm "$tmp/debs" | cut -f1)
  for deb in "$tmp/debs"/*.deb; do dpkg-deb -x "$deb" "$tmp/root" || { rm -rf "$tmp"; return 1; }; done
  rm -rf "$tmp/debs"
  local lib="$dir/root/usr/lib/x86_64-linux-gnu"
  # exec keeps the pid and signals bpftrace's own, so `-c`, kill and timeouts act on it directly.
  cat > "$tmp/bpftrace" <<WRAP
#!/bin/sh
# bpftrace from Debian $suite with its own libraries, started through their loader.
exec "$lib/ld-linux-x86-64.so.2" --library-path "$lib:$dir/root/lib/x86_64-linux-gnu" "$dir/root/usr/bin/bpftrace" "\$@"
WRAP
  chmod 755 "$tmp/bpftrace"
  rm -rf "$dir" && mv "$tmp" "$dir"
  if ! "$dir/bpftrace" --version >/dev/null 2>&1; then
    say "bpftrace from $suite does not start: $dir/bpftrace --version"; return 1
  fi
  say "bpftrace from $suite: $("$dir/bpftrace" --version), $(echo "$pkgs" | wc -l) packages, $size MB, $((SECONDS - started)) s, at $dir/bpftrace"
}
newer_bpftrace trixie
newer_bpftrace sid
say "done"
