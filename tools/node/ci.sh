#!/usr/bin/env bash
# The real node's stage of .ci/run, its last: the prerequisites (apt), the node's builds, then the e2e of
# `npm run e2e:node`, each bounded by what is left of CI's time budget.
#   bash tools/node/ci.sh [START]   START: when the CI run started (epoch seconds, .ci/run's $start); default now
# Prints one result line on stdout, last:
#   e2e:node: N passed, M failed                 the e2e ran; exit 1 when M > 0 or it did not finish
#   e2e:node: skipped: REASON (built / left)     it did not run; exit 0, and .ci/run counts nothing for it
# Skipped when: no root, apt cannot install the packages, no Litmus sources beside the repository, or the builds did
# not finish within the budget. A build that fails on its own (not stopped by the budget) fails the stage.
#
# Why a budget: a cold CI run (nothing cached) must stay under 75 minutes. .ci/run without the node takes ~15 min
# warm and an estimated 45-55 min cold; the node's builds 30-48 min cold (1 s warm), its e2e ~11 min warm. A cold run
# cannot do both, so the builds get what is left until BUILD_END and are then stopped (SIGTERM): every build
# resumes from Go's build cache in the next run (the scripts are safe to kill, see tools/cluster/build-lib.sh), so
# a cold CI builds part of the node and a later, warm CI runs the e2e.
set -euo pipefail
build_name=ci.sh
source "$(dirname "$0")/lib.sh"

LIMIT=$((75 * 60))   # a cold run's limit, counted from .ci/run's start
# After the e2e: its teardown (23 s measured), a down.sh if anything is left, .ci/run's closing count.
MARGIN=$((2 * 60))
# The e2e is only started with this much left: it took 662-688 s warm (~11.5 min) on this 2-core machine idle, and
# runs here stretched ~1.5x when other builds share the cores. Started with less, a budget kill would fail CI.
E2E_MIN=$((17 * 60))
# Its own timeout when more is left: ~2.5x its warm time, so only a hung run reaches it. (NODE_CI_E2E_MAX, in seconds,
# is only there to try the timeout's path: the harness stopped, the node torn down, the stage failed.)
E2E_MAX=${NODE_CI_E2E_MAX:-$((30 * 60))}
# Builds stopped at minute 56 (75 - 2 - 17) still leave the e2e its E2E_MIN if they finished.
BUILD_END=$((LIMIT - MARGIN - E2E_MIN))
# prereqs.sh takes seconds when the packages are there, an apt-get install under a minute when not.
PREREQS_MAX=$((10 * 60))

start="${1:-$(date +%s)}"
case "$start" in '' | *[!0-9]*) die "START must be epoch seconds, not '$start'" ;; esac
at() { local s=$(( $(date +%s) - start )); printf 'minute %d:%02d' $((s / 60)) $((s % 60)); }
left_until() { echo $(( $1 - ($(date +%s) - start) )); }
min() { echo $(( $1 < $2 ? $1 : $2 )); }

# inventory: "built X of Y; left: ..." over every output of the builds (binaries, Pulumi, images).
inventory() {
  local v="$KUBERNETES_VERSION" item name ver n=0 left=()
  for item in "kube-apiserver $v" "kube-controller-manager $v" "kube-scheduler $v" "kubectl $v" "etcd $ETCD_VERSION" \
    "kwok $KWOK_VERSION" "kubelet $v" "kube-proxy $v" "pause $PAUSE_VERSION" "coredns $COREDNS_VERSION" \
    "crictl $CRICTL_VERSION" "metrics-server $METRICS_SERVER_VERSION" "experiments $LITMUS_GO_VERSION" \
    "helpers $LITMUS_GO_VERSION" "chaos-operator $CHAOS_OPERATOR_VERSION" "chaos-runner $CHAOS_RUNNER_VERSION"; do
    read -r name ver <<<"$item"; n=$((n + 1))
    [ -x "$(path_of "$name" "$ver")" ] || left+=("$name")
  done
  n=$((n + 1)); bash "$repo_dir/tools/cluster/build-pulumi.sh" --check || left+=("pulumi")
  local images_left
  images_left="$(bash "$node_dir/build-images.sh" --check | sed 's/^image //' | paste -sd ' ')" || true
  n=$((n + 8)); [ -z "$images_left" ] || left+=("images: $images_left")
  if [ "${#left[@]}" = 0 ]; then echo "all $n built"
  else echo "built $((n - $(wc -w <<<"${left[*]/images: /}"))) of $n; left: ${left[*]}"; fi
}

# skip REASON: the loud line, then exit 0 (the reason alone does not fail CI; .ci/run does not count it as passed).
skip() {
  echo "e2e:node: skipped: $1 ($(inventory))"
  log "stage took $(elapsed)"
  exit 0
}

log "the real node's stage at $(at); budget: builds until minute $((BUILD_END / 60)), the e2e started only with" \
  "$((E2E_MIN / 60)) min left before minute $(((LIMIT - MARGIN) / 60)), for at most $((E2E_MAX / 60)) min"

# What the e2e reads beside the repository (.ci/run runs without ../shared too: its schema check is skipped then).
crds="$repo_dir/../shared/reference/crds"
[ -d "$LITMUS_SRC" ] && [ -d "$crds" ] || skip "no Litmus sources ($LITMUS_SRC) or CRDs ($crds) beside the repository"

no_time() {
  echo "no time left: CI is at $(at), past minute $((BUILD_END / 60)), the last to start the builds and the e2e" \
    "($((E2E_MIN / 60)) min before minute $(((LIMIT - MARGIN) / 60)))"
}

# 1. prerequisites: root, apt packages, kernel features. A missing one is a reason to skip, named.
t="$(min "$PREREQS_MAX" "$(left_until "$BUILD_END")")"
[ "$t" -gt 0 ] || skip "$(no_time)"
rc=0; out="$(timeout -k 10 "$t" bash "$node_dir/prereqs.sh" --install 2>&1 </dev/null)" || rc=$?
printf '%s\n' "$out" >&2
if [ "$rc" != 0 ]; then
  why="$(sed -n 's/^prereqs.sh: \(MISSING\|ERROR:\) //p' <<<"$out" | paste -sd ';' | sed 's/;/; /g')"
  [ "$rc" != 124 ] && [ "$rc" != 137 ] || why="prereqs.sh --install did not finish in ${t}s"
  skip "prerequisites missing: ${why:-prereqs.sh exit $rc}"
fi

# 2. the builds, in one process group that timeout stops as a whole (SIGTERM, then SIGKILL 30 s later): go and its
# compilers too, so no build outlives the budget or keeps its lock.
t="$(left_until "$BUILD_END")"
[ "$t" -gt 0 ] || skip "$(no_time)"
log "builds (build-all.sh, build-pulumi.sh) at $(at), stopped after ${t}s at the latest"
rc=0
timeout -k 30 "$t" bash -c 'bash "$1/build-all.sh" && bash "$1/../cluster/build-pulumi.sh" >/dev/null' _ "$node_dir" \
  </dev/null >&2 || rc=$?
case "$rc" in
  0) ;;
  124 | 137) skip "the node's builds did not finish in the budget: stopped at $(at) after ${t}s; the next CI run resumes them" ;;
  *) echo "e2e:node: 0 passed, 1 failed (the node's builds failed: exit $rc, see above)"; exit 1 ;;
esac
inv="$(inventory)"
case "$inv" in all*) ;; *) echo "e2e:node: 0 passed, 1 failed (the builds exited 0 but not all is built: $inv)"; exit 1 ;; esac

# 3. the e2e. It runs the harness of `npm run e2e:node` with timeout --foreground, so that the SIGTERM of the
# timeout reaches the harness alone: it then stops what it started and tears the node down (tools/node/down.sh),
# and timeout waits for that. Sent to the whole process group (timeout's default) the signal would also end npm and
# its shell at once (timeout returns while the teardown still runs) and tsx, which SIGKILLs a child that does not
# answer within 60 ms, the harness being busy in its teardown.
t="$(left_until $((LIMIT - MARGIN)))"
[ "$t" -ge "$E2E_MIN" ] || skip "only $((t / 60)) min left before minute $(((LIMIT - MARGIN) / 60)) at $(at), the e2e needs $((E2E_MIN / 60))"
# The node takes host-wide things (bridge cni0, iptables chains, kubelet's cgroups, /run/netns): a second run's
# up.sh or down.sh would take a running one's for leftovers and tear them down. Another harness running here (a
# developer's npm run e2e:node, another CI job) is a reason to skip, not to start.
others="$(other_harnesses)"
[ -z "$others" ] || skip "another real-node e2e is running on this host: pid ${others% }"
t="$(min "$t" "$E2E_MAX")"
log "e2e:node at $(at), timeout ${t}s"
results="$(mktemp)"
trap 'rm -f "$results"' EXIT
rc=0
(cd "$repo_dir" && timeout --foreground -k 180 "$t" node --import tsx test/e2e/node.ts </dev/null) | tee "$results" || rc=$?
[ "$rc" != 124 ] || log "e2e:node was stopped by its timeout of ${t}s (a failure)"
# The harness tears the node down itself, also on SIGTERM; if it was killed outright, down.sh does it here. Only
# when this run's own folder or processes are left: a bridge alone may be another run's (down.sh is host-wide).
if [ -e "$NODE_WORK" ] || [ -n "$(procs_under "$NODE_WORK")" ]; then
  log "the node is not torn down (exit $rc): tools/node/down.sh"
  bash "$node_dir/down.sh" >&2 || { log "down.sh left something (see above)"; rc=1; }
fi
if ! grep -Eq '^e2e:node: [0-9]+ passed, [0-9]+ failed' "$results"; then
  echo "e2e:node: 0 passed, 1 failed (exit $rc without its result line)"
  [ "$rc" != 0 ] || rc=1
fi
log "stage took $(elapsed)"
exit "$rc"
