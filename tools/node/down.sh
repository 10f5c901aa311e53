#!/usr/bin/env bash
# Tears down what up.sh started, in order, and verifies that nothing is left:
#   1. pod sandboxes stopped and removed through CRI (crictl), so CNI DEL removes each veth, IP and netns
#   2. kubelet, kube-proxy (+ `kube-proxy --cleanup` for its iptables chains) stopped
#   3. containerd stopped, its shims (children that outlive it) killed by pid, mounts under $NODE_WORK unmounted
#   4. control plane stopped through its CLI (`tools/cluster/cli.ts down --dir $NODE_WORK/control-plane`: kwok,
#      scheduler, controller-manager, API server, then etcd)
#   5. leftover veths, the bridge, netns, KUBE-*/CNI-* chains and the fence rules deleted, kubelet's cgroups removed,
#      sysctls restored, paths the components made outside $NODE_WORK removed, $NODE_WORK removed (logs kept in
#      $KEEP_LOGS if set)
# Works without the state file too (after a kill): every process whose command line holds $W, or whose working folder
# is in $W, is stopped by its pid.
# Then prints a check (processes, mounts, netns, links, iptables, cgroups); exits 1 if anything is left.
build_name=down.sh
source "$(dirname "$0")/lib.sh"
set +e
W="$NODE_WORK"
[ -f "$W/state.env" ] || { log "no $W/state.env: nothing to stop"; }
[ -f "$W/state.env" ] && source "$W/state.env"
BRIDGE="${BRIDGE:-cni0}"
CRICTL="$(path_of crictl "$CRICTL_VERSION")"
KUBE_PROXY="$(path_of kube-proxy "$KUBERNETES_VERSION")"

# stop NAME [GRACE]: SIGTERM the pid in $W/pids/NAME, SIGKILL after GRACE seconds
stop() {
  local name="$1" grace="${2:-15}" pid
  [ -f "$W/pids/$name" ] || return 0
  pid="$(cat "$W/pids/$name")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq $((grace * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; log "$name (pid $pid) killed"; else log "$name (pid $pid) stopped"; fi
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$W/pids/$name"
}

SOCK="${CONTAINERD_SOCK:-$W/containerd/containerd.sock}"
# 1. kubelet first (so it does not restart what we stop), then sandboxes through CRI.
stop kubelet 20
if [ -S "$SOCK" ] && [ -x "$CRICTL" ] && [ -f "$W/crictl.yaml" ]; then
  cr() { "$CRICTL" --config "$W/crictl.yaml" "$@"; }
  n="$(cr pods -q 2>/dev/null | wc -l)"
  cr stopp $(cr pods -q) >/dev/null 2>&1
  cr rmp -f $(cr pods -q) >/dev/null 2>&1
  log "stopped and removed $n pod sandboxes through CRI"
fi
# 2.
stop kube-proxy
if [ -f "$W/kube-proxy.yaml" ]; then "$KUBE_PROXY" --cleanup --config="$W/kube-proxy.yaml" >/dev/null 2>&1; log "kube-proxy --cleanup done"; fi
# 3. containerd, then any shim that served it (shims are re-parented and outlive containerd).
stop containerd 20
for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $SOCK" ); do kill -KILL "$pid" 2>/dev/null && log "killed shim $pid"; done
# 4. control plane (tools/cluster/control-plane.ts), in order through its CLI; if that fails, the next step kills its
# processes (their working folder is $CP_DIR).
CP_DIR="${CONTROL_PLANE_DIR:-$W/control-plane}"
if [ -f "$CP_DIR/state.json" ]; then
  "$repo_dir/node_modules/.bin/tsx" "$repo_dir/tools/cluster/cli.ts" down --dir "$CP_DIR" 2>&1 | sed 's/^/  /' >&2 \
    || log "the control plane's CLI could not stop it: its processes are killed below"
fi
# anything else we started (pid files lost; the e2e's Pulumi provider after a kill): every process whose command line
# names $W or whose working folder is in it, by pid
for pid in $(procs_under "$W"); do kill -KILL "$pid" 2>/dev/null && log "killed leftover process $pid ($(tr '\0' ' ' </proc/$pid/cmdline 2>/dev/null | cut -c1-80))"; done

# 5. leftovers
# processes still in kubelet's pod cgroups (containers whose shim was killed): kill them, then remove the cgroups
for ctl in /sys/fs/cgroup/*/; do
  [ -d "$ctl/kubepods" ] || continue
  for pid in $(find "$ctl/kubepods" -name cgroup.procs -exec cat {} + 2>/dev/null); do kill -KILL "$pid" 2>/dev/null && log "killed leftover pod process $pid"; done
done
sleep 0.5
for ctl in /sys/fs/cgroup/*/; do
  [ -d "$ctl/kubepods" ] && find "$ctl/kubepods" -depth -type d -exec rmdir {} \; 2>/dev/null
done
# mounts under $W (kubelet volumes, containerd rootfs/shm, overlay snapshots), deepest first
for m in $(findmnt -rn -o TARGET | grep -E "^$W(/|$)" | sort -r); do umount "$m" 2>/dev/null || umount -l "$m"; done
# network namespaces made by the CRI for our sandboxes (containerd 1.6 always puts them in /run/netns)
for ns in /run/netns/cni-*; do
  [ -e "$ns" ] || continue
  umount "$ns" 2>/dev/null; rm -f "$ns" && log "removed leftover netns $ns"
done
for v in $(ip -o link show master "$BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do ip link del "$v" && log "deleted leftover $v"; done
ip link show "$BRIDGE" >/dev/null 2>&1 && ip link del "$BRIDGE" && log "deleted bridge $BRIDGE"
# iptables: our fence rules, then every KUBE-*/CNI-* chain in every table (kube-proxy --cleanup leaves kubelet's
# KUBE-IPTABLES-HINT / KUBE-KUBELET-CANARY / KUBE-FIREWALL chains and portmap's CNI-* chains)
while iptables -D FORWARD -i "$BRIDGE" ! -o "$BRIDGE" -m comment --comment chaos-node-fence -j DROP 2>/dev/null; do :; done
while iptables -D FORWARD -o "$BRIDGE" ! -i "$BRIDGE" -m comment --comment chaos-node-fence -j DROP 2>/dev/null; do :; done
for ipt in iptables ip6tables; do
  for table in filter nat mangle raw; do
    chains="$($ipt -t $table -S 2>/dev/null | awk '$1=="-N" && ($2 ~ /^(KUBE|CNI)-/) {print $2}')"
    [ -n "$chains" ] || continue
    # delete the jumps to them from the built-in chains, then flush and delete them
    $ipt -t $table -S 2>/dev/null | grep -E '^-A (INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) .*-j (KUBE|CNI)-' | \
      while read -r _ rest; do eval "$ipt -t $table -D $rest" 2>/dev/null; done
    for c in $chains; do $ipt -t $table -F "$c" 2>/dev/null; done
    for c in $chains; do $ipt -t $table -X "$c" 2>/dev/null; done
  done
done
# sysctls back to what they were
if [ -f "$W/sysctl.saved" ]; then while IFS='=' read -r k v; do sysctl -qw "$k=$v"; done <"$W/sysctl.saved"; log "sysctls restored"; fi
# paths made outside $W
if [ -f "$W/created-paths" ]; then
  while read -r p; do [ -e "$p" ] || [ -L "$p" ] || continue; findmnt -rn -o TARGET | grep -q "^$p" && umount -R "$p"; rm -rf "$p" && log "removed $p"; done <"$W/created-paths"
fi
if [ -n "${KEEP_LOGS:-}" ] && [ -d "$W/logs" ]; then
  mkdir -p "$KEEP_LOGS"; cp -a "$W/logs/." "$KEEP_LOGS/"
  [ -d "$CP_DIR/logs" ] && cp -a "$CP_DIR/logs/." "$KEEP_LOGS/"
  log "logs kept in $KEEP_LOGS"
fi
rm -rf "$W"

# ---------------------------------------------------------------- verify
left=0
chk() { if [ -n "$2" ]; then echo "LEFT $1: $2"; left=1; else echo "ok   $1"; fi; }
# every component has $W in its arguments (shims: -address $W/...); container processes are checked by their cgroups
chk processes "$( { pgrep -a -f "$W|containerd-shim-runc-v2 .*-address $SOCK" | grep -v -E 'pgrep|down.sh'
  for pid in $(procs_under "$W"); do echo "$pid $(tr '\0' ' ' </proc/$pid/cmdline 2>/dev/null | cut -c1-80) (working folder in $W)"; done; } | sort -u)"
chk mounts "$(findmnt -rn -o TARGET,FSTYPE | grep -E "^$W|/run/netns|/run/containerd|/var/lib/kubelet")"
chk netns "$(ls /run/netns 2>/dev/null)"
chk links "$(ip -o link show | grep -E 'veth|cni0' | awk -F': ' '{print $2}')"
chk iptables "$( { iptables-save; ip6tables-save; } 2>/dev/null | grep -E 'KUBE|CNI|chaos-node' | head -5)"
chk cgroups "$(ls -d /sys/fs/cgroup/*/kubepods 2>/dev/null)"
chk routes "$(ip route | grep -E '10\.(88|96)\.')"
chk files "$(ls -d /var/log/containers /var/log/pods /run/containerd /var/lib/cni /var/lib/kubelet 2>/dev/null)"
exit $left
