# Sourced (not run) by the tools/node scripts: pinned versions, the binary cache layout (tools/cluster/build-lib.sh),
# timing, the network plan of the node, and the traffic rule. The sourcing script may set `build_name` first.
set -euo pipefail

node_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(cd "$node_dir/../.." && pwd)"
# shellcheck source=../cluster/versions.env
source "$repo_dir/tools/cluster/versions.env"
# shellcheck source=versions.env
source "$node_dir/versions.env"
build_name="${build_name:-$(basename "$0")}"
# shellcheck source=../cluster/build-lib.sh
source "$repo_dir/tools/cluster/build-lib.sh"
images="$cache/images"
LITMUS_SRC="${LITMUS_SRC:-$repo_dir/../shared/src}"
t_start=$(date +%s)
elapsed() { echo "$(( $(date +%s) - t_start ))s"; }

# The node's network plan: everything on one bridge that exists only while the node is up.
NODE_WORK="${NODE_WORK:-/tmp/chaos-node}"
NODE_NAME="${NODE_NAME:-chaos-node-0}"
BRIDGE=cni0 GW=10.88.0.1 POD_CIDR=10.88.0.0/16 SVC_CIDR=10.96.0.0/16 DNS_IP=10.96.0.10 API_PORT=6443

# assert_local ADDR: the traffic rule. A request may only go to loopback or to an address of our own bridge:
# `ip route get` must answer a local route or one through $BRIDGE, before anything is sent there.
assert_local() {
  local r; r="$(ip route get "$1" 2>/dev/null | head -1)" || die "no route to $1"
  case "$r" in
    local\ *|*" dev lo "*|*" dev $BRIDGE "*) return 0 ;;
  esac
  die "refusing to contact $1: it is neither loopback nor on bridge $BRIDGE (ip route get: $r)"
}

# procs_under DIR: pids of the processes whose command line names DIR/ or whose working folder is in DIR (the Pulumi
# CLI's Kubernetes provider, started by the e2e in its stack folder under $NODE_WORK, names no path), not this shell's.
procs_under() {
  local d="$1" p c
  { pgrep -f -- "$d/"
    for p in /proc/[0-9]*; do
      c="$(readlink "$p/cwd" 2>/dev/null)" || continue
      case "$c" in "$d" | "$d"/*) echo "${p#/proc/}" ;; esac
    done
  } | sort -un | grep -v -x -e "$$" -e "${BASHPID:-$$}" || true
}

# timed_build: prints how long a build script took, as cold (it built something) or warm (all cached).
report_time() { log "$1 in $(elapsed)"; }

# other_harnesses: "pid (cwd)" of every running real-node e2e harness (test/e2e/node.ts) that is not this script's
# own caller (its ancestors are left out), space-separated. A live run's bridge and processes are not leftovers.
other_harnesses() {
  local p="$$" mine="" q
  while [ -n "$p" ] && [ "$p" -gt 1 ]; do mine="$mine $p"; p="$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ')"; done
  for q in $(pgrep -f 'test/e2e/node\.ts' || true); do
    case " $mine " in *" $q "*) continue ;; esac
    printf '%s (%s) ' "$q" "$(readlink "/proc/$q/cwd" 2>/dev/null)"
  done
}
