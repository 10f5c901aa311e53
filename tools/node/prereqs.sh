#!/usr/bin/env bash
# Checks, in seconds, everything the real node needs and names what is missing and how to get it:
#   root; the Debian packages containerd, runc, umoci, containernetworking-plugins, iptables, conntrack, ipset;
#   go, gcc, openssl, python3, curl, flock; kernel features (overlayfs, bridge netfilter, cgroups, netns).
# --install: apt-get installs the missing packages first (idempotent: installed packages are left alone).
# Exits 1 listing every missing item.
build_name=prereqs.sh
source "$(dirname "$0")/lib.sh"

pkgs=(containerd runc umoci containernetworking-plugins iptables conntrack ipset)
# package -> a file it installs, to check without dpkg on non-Debian hosts
declare -A pkg_file=([containerd]=containerd [runc]=runc [umoci]=umoci [containernetworking-plugins]=/usr/lib/cni/bridge
  [iptables]=iptables [conntrack]=conntrack [ipset]=ipset)
have() { case "$1" in /*) [ -x "$1" ] ;; *) command -v "$1" >/dev/null 2>&1 ;; esac; }

missing=()
[ "$(id -u)" = 0 ] || missing+=("root: the node makes a bridge, iptables rules, mounts and cgroups (run as root, e.g. sudo -E)")

missing_pkgs=()
for p in "${pkgs[@]}"; do have "${pkg_file[$p]}" || missing_pkgs+=("$p"); done
if [ "${#missing_pkgs[@]}" -gt 0 ] && [ "${1:-}" = --install ] && [ "$(id -u)" = 0 ]; then
  command -v apt-get >/dev/null || die "no apt-get: install ${missing_pkgs[*]} with this system's package manager"
  log "apt-get install ${missing_pkgs[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing_pkgs[@]}" >/dev/null 2>&1 || {
    # an install killed mid-way (tools/node/ci.sh bounds this script with timeout) leaves dpkg "interrupted", and
    # apt-get refuses to install until the unpacked packages are configured: finish them first
    DEBIAN_FRONTEND=noninteractive dpkg --configure -a >/dev/null 2>&1 || true
    apt-get update -qq >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing_pkgs[@]}" >/dev/null ||
      die "apt-get could not install ${missing_pkgs[*]}"
  }
  missing_pkgs=()
  for p in "${pkgs[@]}"; do have "${pkg_file[$p]}" || missing_pkgs+=("$p"); done
fi
[ "${#missing_pkgs[@]}" -eq 0 ] || missing+=("Debian packages ${missing_pkgs[*]}: apt-get install -y ${missing_pkgs[*]} (or: bash tools/node/prereqs.sh --install)")

for c in go gcc openssl python3 curl flock ip findmnt; do
  have "$c" || missing+=("$c: apt-get install -y $(case $c in go) echo golang-go ;; flock|findmnt) echo util-linux ;; ip) echo iproute2 ;; *) echo "$c" ;; esac)")
done

# kernel features
grep -qw overlay /proc/filesystems 2>/dev/null || modprobe overlay 2>/dev/null || missing+=("kernel: overlayfs (modprobe overlay)")
[ -d /proc/sys/net/bridge ] || modprobe br_netfilter 2>/dev/null || missing+=("kernel: bridge netfilter (modprobe br_netfilter)")
[ -d /sys/fs/cgroup ] && [ -n "$(ls /sys/fs/cgroup 2>/dev/null)" ] || missing+=("kernel: no cgroup filesystem mounted at /sys/fs/cgroup")
[ -e /proc/self/ns/net ] || missing+=("kernel: network namespaces")
if have iptables && [ "$(id -u)" = 0 ]; then iptables -S FORWARD >/dev/null 2>&1 || missing+=("kernel: iptables does not work here (iptables -S FORWARD failed)"); fi

if [ "${#missing[@]}" -gt 0 ]; then
  for m in "${missing[@]}"; do log "MISSING $m"; done
  exit 1
fi
log "ok: root, packages, tools and kernel features present ($(elapsed))"
