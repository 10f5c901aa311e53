#!/usr/bin/env bash
# Brings up a one-node cluster with a REAL node on this machine, everything under $NODE_WORK (default /tmp/chaos-node):
#   bridge cni0 10.88.0.1/16 (made first: the API server binds to it so pods reach it), FORWARD drop rules so no pod
#   traffic leaves the machine (no masquerade), the repository's control plane (tools/cluster/control-plane.ts through
#   `tools/cluster/cli.ts up --address 10.88.0.1 --node NAME --aggregator`, in $NODE_WORK/control-plane: its CA, etcd
#   on 127.0.0.1, kube-apiserver on 10.88.0.1:6443, Node,RBAC, endpoint reconciler on, kube-controller-manager,
#   kube-scheduler; WITH_KWOK=1 adds kwok limited to nodes annotated kwok.x-k8s.io/node=fake, so it never touches the
#   real node), containerd (own root/state, socket /run/containerd/containerd.sock), the cached images imported,
#   kubelet (x509 system:node), kube-proxy (iptables), CoreDNS (no forwarder) and metrics-server (the HPA's metrics).
# A previous run that was killed is cleaned first (down.sh), so a start never fails on leftovers.
# Stop with down.sh. Prints `export KUBECONFIG=...` last.
build_name=up.sh
source "$(dirname "$0")/lib.sh"
W="$NODE_WORK"
V="$KUBERNETES_VERSION"
bash "$node_dir/prereqs.sh" >/dev/null || { bash "$node_dir/prereqs.sh"; exit 1; }
for b in kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy; do
  [ -x "$(path_of $b "$V")" ] || die "missing $(path_of $b "$V"): run bash tools/node/build-all.sh"
done
for b in "etcd $ETCD_VERSION" "kwok $KWOK_VERSION"; do
  [ -x "$(path_of $b)" ] || die "missing $(path_of $b): run bash tools/node/build-all.sh"
done
[ -x "$repo_dir/node_modules/.bin/tsx" ] || die "missing $repo_dir/node_modules/.bin/tsx (the control plane's CLI): run npm ci"
KUBECTL="$(path_of kubectl "$V")"
# Another harness's node is live, not a leftover: down.sh would tear it down under that run. Refuse instead.
others="$(other_harnesses)"
[ -z "$others" ] || die "another real-node e2e is running on this host: pid ${others% }; wait for it (or stop it) first"
# Leftovers of a run that was killed (state file, bridge, processes under $W, our socket): clean them first.
if [ -e "$W/state.env" ] || ip link show "$BRIDGE" >/dev/null 2>&1 || [ -n "$(procs_under "$W")" ]; then
  log "leftovers of an earlier run found: cleaning them with down.sh"
  bash "$node_dir/down.sh" >&2 || die "down.sh could not clean the leftovers (see above)"
fi
ip route | grep -qE '^10\.(88|96)\.' && die "10.88/16 or 10.96/16 already routed here"

rm -rf "$W"; mkdir -p "$W"/{logs,pids,containerd,cni/net.d,cni/networks,cni/cache,kubelet,pod-logs,manifests}
state() { echo "$1=$(printf %q "$2")" >>"$W/state.env"; }
: >"$W/state.env"
state W "$W"; state NODE_NAME "$NODE_NAME"; state BRIDGE "$BRIDGE"
# Host settings this script (or kubelet/kube-proxy) changes: saved to be restored by down.sh.
for s in net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables vm.overcommit_memory vm.panic_on_oom kernel.panic \
  kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.netfilter.nf_conntrack_max \
  net.ipv4.conf.all.route_localnet; do
  echo "$s=$(sysctl -n $s)" >>"$W/sysctl.saved"
done
# Paths outside $W that the components create (hard-coded in kubelet/containerd 1.6/libcni): noted if absent now.
for p in /var/log/containers /run/netns /run/containerd /var/lib/cni /etc/cni /opt/cni /var/lib/kubelet /run/kubernetes /var/run/kubernetes /opt/containerd; do
  [ -e "$p" ] || echo "$p" >>"$W/created-paths"
done

t0=$(date +%s)
# ---------------------------------------------------------------- network: bridge, forwarding, fences
ip link add "$BRIDGE" type bridge
ip addr add "$GW/16" dev "$BRIDGE"
ip link set "$BRIDGE" up
sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1
# Nothing from the pods leaves the machine and nothing from outside reaches them (no masquerade anywhere).
iptables -I FORWARD 1 -i "$BRIDGE" ! -o "$BRIDGE" -m comment --comment chaos-node-fence -j DROP
iptables -I FORWARD 1 -o "$BRIDGE" ! -i "$BRIDGE" -m comment --comment chaos-node-fence -j DROP
log "bridge $BRIDGE $GW/16, ip_forward=1, fence rules in FORWARD"

# ---------------------------------------------------------------- control plane (tools/cluster/control-plane.ts)
# The repository's one control plane, through its CLI: etcd (127.0.0.1), kube-apiserver on $GW:$API_PORT (6443, as
# kubeadm: the port the project's NetworkPolicies allow after the kubernetes Service's DNAT; lease endpoint
# reconciler, the kubelet client and aggregation-layer flags), kube-controller-manager (controllers with their own
# service accounts), kube-scheduler, and with WITH_KWOK=1 kwok limited to nodes annotated
# kwok.x-k8s.io/node=fake (it never touches the real node) and its tainted simulated node. Its CA also signs the
# kubelet's and kube-proxy's certificates. Keys, logs, kubeconfig and state.json in $W/control-plane, which is also
# its processes' working folder (down.sh stops them through the CLI, procs_under finds any left).
CP_DIR="$W/control-plane"
state CONTROL_PLANE_DIR "$CP_DIR"   # before the start: down.sh stops what a failed start left
assert_local "$GW"; assert_local 127.0.0.1
cp_args=(up --dir "$CP_DIR" --address "$GW" --port "$API_PORT" --node "$NODE_NAME" --aggregator --no-crds --env)
[ "${WITH_KWOK:-0}" = 1 ] || cp_args+=(--no-kwok)
cp_env="$("$repo_dir/node_modules/.bin/tsx" "$repo_dir/tools/cluster/cli.ts" "${cp_args[@]}")" \
  || die "the control plane did not start (tools/cluster/cli.ts ${cp_args[*]}; logs in $CP_DIR/logs)"
# KEY=value lines (stateEnvLines in tools/cluster/control-plane.ts)
declare -A CP=()
while IFS='=' read -r key value; do [ -z "$key" ] || CP[$key]="$value"; done <<<"$cp_env"
for key in SERVER KUBECONFIG CA_FILE STATE_FILE COMPONENTS KUBELET_CERT KUBELET_KEY KUBELET_SERVING_CERT KUBELET_SERVING_KEY KUBE_PROXY_CERT KUBE_PROXY_KEY; do
  [ -n "${CP[$key]:-}" ] || die "the control plane's CLI printed no $key (got: $cp_env)"
done
SERVER="${CP[SERVER]}" CA="${CP[CA_FILE]}"
log "control plane up: API server $SERVER (${CP[COMPONENTS]})"
kcfg() { # kcfg FILE USER-YAML
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: chaos-node
  cluster: {server: $SERVER, certificate-authority: $CA}
contexts:
- name: chaos-node
  context: {cluster: chaos-node, user: u}
current-context: chaos-node
users:
- name: u
  user: $2
EOF
  chmod 600 "$1"
}
kcfg "$W/kubelet.kubeconfig" "{client-certificate: ${CP[KUBELET_CERT]}, client-key: ${CP[KUBELET_KEY]}}"
kcfg "$W/kube-proxy.kubeconfig" "{client-certificate: ${CP[KUBE_PROXY_CERT]}, client-key: ${CP[KUBE_PROXY_KEY]}}"
# The admin kubeconfig (bearer token, mode 0600) and the control plane's state file (token, CA) for the e2e harness.
state KUBECONFIG "${CP[KUBECONFIG]}"; state SERVER "$SERVER"; state CONTROL_PLANE_STATE "${CP[STATE_FILE]}"
k() { "$KUBECTL" --kubeconfig "${CP[KUBECONFIG]}" "$@"; }

# ---------------------------------------------------------------- node processes
# start NAME CMD...: setsid, log to $W/logs/NAME.log, pid to $W/pids/NAME
start() {
  local name="$1"; shift
  setsid "$@" >>"$W/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$W/pids/$name"
  log "started $name (pid $!)"
}
alive() { kill -0 "$(cat "$W/pids/$1")" 2>/dev/null || { tail -30 "$W/logs/$1.log" >&2; die "$1 exited"; }; }
# wait_for NAME SECONDS CMD...: until CMD succeeds, NAME stays alive
wait_for() {
  local name="$1" secs="$2"; shift 2
  local end=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    [ -z "$name" ] || alive "$name"
    [ "$(date +%s)" -lt "$end" ] || { [ -z "$name" ] || tail -30 "$W/logs/$name.log" >&2; die "timeout waiting for ${name:-$*}"; }
    sleep 0.5
  done
}
freeports() { python3 -c 'import socket,sys
ss=[socket.socket() for _ in range(int(sys.argv[1]))]
[s.bind(("127.0.0.1",0)) for s in ss]; print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"; }
read -r KP_H KP_M CD_STREAM <<<"$(freeports 3)"

# ---------------------------------------------------------------- containerd
C="$W/containerd"
# The default path: the helper-pod faults mount it (SOCKET_PATH=/run/containerd/containerd.sock) and kubelet's cAdvisor
# only finds containerd's containers there (else no container metrics for metrics-server). CONTAINERD_SOCK overrides.
SOCK="${CONTAINERD_SOCK:-/run/containerd/containerd.sock}"
[ -e "$SOCK" ] && die "$SOCK exists: another containerd is running"
cat >"$C/config.toml" <<EOF
version = 2
root = "$C/root"
state = "$C/state"
oom_score = 0
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$C/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10.1"
  # This VM refuses a negative oom_score_adj (no CAP_SYS_RESOURCE); containerd gives sandboxes -998 otherwise:
  # runc create failed: unable to start container process: can't get final child's PID from pipe: EOF
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "$CD_STREAM"
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$C/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$W/cni/net.d"
    max_conf_num = 1
EOF
cat >"$W/cni/net.d/10-chaos-node.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "chaos-node",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "dataDir": "$W/cni/networks",
              "ranges": [[{"subnet": "$POD_CIDR", "rangeStart": "10.88.0.10", "rangeEnd": "10.88.255.254", "gateway": "$GW"}]],
              "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}},
    {"type": "loopback"}
  ]
}
EOF
start containerd containerd --config "$C/config.toml"
state CONTAINERD_SOCK "$SOCK"
printf 'runtime-endpoint: unix://%s\nimage-endpoint: unix://%s\ntimeout: 60\n' "$SOCK" "$SOCK" >"$W/crictl.yaml"
state CRICTL_CONFIG "$W/crictl.yaml"
wait_for containerd 60 ctr -a "$SOCK" version
for t in "$images"/*.tar; do
  ctr -a "$SOCK" -n k8s.io images import --no-unpack=false "$t" >/dev/null || die "import of $t failed"
done
log "imported $(ctr -a "$SOCK" -n k8s.io images ls -q | grep -vc '^sha256:') image names from $images"

# ---------------------------------------------------------------- kubelet
printf 'nameserver 127.0.0.1\n' >"$W/kubelet/resolv.conf"   # pods with dnsPolicy Default: nothing off the machine
cat >"$W/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $GW
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: ${CP[KUBELET_SERVING_CERT]}
tlsPrivateKeyFile: ${CP[KUBELET_SERVING_KEY]}
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $CA}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix://$SOCK
cgroupDriver: cgroupfs
failSwapOn: false
oomScoreAdj: 0
clusterDNS: [$DNS_IP]
clusterDomain: cluster.local
resolvConf: $W/kubelet/resolv.conf
podLogsDir: $W/pod-logs
rotateCertificates: false
serializeImagePulls: false
maxPods: 110
evictionHard: {memory.available: 100Mi, nodefs.available: "5%", imagefs.available: "5%", nodefs.inodesFree: "5%"}
EOF
start kubelet "$(path_of kubelet "$V")" --config="$W/kubelet/config.yaml" --kubeconfig="$W/kubelet.kubeconfig" \
  --root-dir="$W/kubelet" --cert-dir="$W/kubelet/pki" --hostname-override="$NODE_NAME" --node-ip="$GW" --v=1
node_ready() { k get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' | grep -q True; }
wait_for kubelet 120 node_ready
log "node $NODE_NAME Ready"

# ---------------------------------------------------------------- kube-proxy
cat >"$W/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: $W/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
bindAddress: $GW
clusterCIDR: $POD_CIDR
healthzBindAddress: 127.0.0.1:$KP_H
metricsBindAddress: 127.0.0.1:$KP_M
nodePortAddresses: ["$GW/32"]
oomScoreAdj: 0
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
iptables: {localhostNodePorts: false, masqueradeAll: false}
EOF
start kube-proxy "$(path_of kube-proxy "$V")" --config="$W/kube-proxy.yaml" --v=1
wait_for kube-proxy 60 curl -sf "http://127.0.0.1:$KP_H/healthz"
state KUBE_PROXY_CONFIG "$W/kube-proxy.yaml"

# ---------------------------------------------------------------- CoreDNS
cat >"$W/manifests/coredns.yaml" <<EOF
apiVersion: v1
kind: ServiceAccount
metadata: {name: coredns, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: system:coredns}
rules:
- apiGroups: [""]
  resources: [endpoints, services, pods, namespaces]
  verbs: [list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: system:coredns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:coredns}
subjects: [{kind: ServiceAccount, name: coredns, namespace: kube-system}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: coredns, namespace: kube-system}
data:
  Corefile: |
    .:53 {
        errors
        health {
            lameduck 5s
        }
        ready
        kubernetes cluster.local in-addr.arpa ip6.arpa {
           pods insecure
           fallthrough in-addr.arpa ip6.arpa
           ttl 30
        }
        cache 30
        loop
        reload
        loadbalance
    }
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  replicas: 1
  selector: {matchLabels: {k8s-app: kube-dns}}
  template:
    metadata: {labels: {k8s-app: kube-dns}}
    spec:
      serviceAccountName: coredns
      priorityClassName: system-cluster-critical
      dnsPolicy: Default
      containers:
      - name: coredns
        image: registry.k8s.io/coredns/coredns:$COREDNS_VERSION
        imagePullPolicy: Never
        args: [-conf, /etc/coredns/Corefile]
        resources: {limits: {memory: 170Mi}, requests: {cpu: 100m, memory: 70Mi}}
        volumeMounts: [{name: config-volume, mountPath: /etc/coredns, readOnly: true}]
        ports:
        - {containerPort: 53, name: dns, protocol: UDP}
        - {containerPort: 53, name: dns-tcp, protocol: TCP}
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {add: [NET_BIND_SERVICE], drop: [ALL]}
          readOnlyRootFilesystem: true
        livenessProbe: {httpGet: {path: /health, port: 8080}, initialDelaySeconds: 10, periodSeconds: 10}
        readinessProbe: {httpGet: {path: /ready, port: 8181}, periodSeconds: 2}
      volumes:
      - name: config-volume
        configMap: {name: coredns, items: [{key: Corefile, path: Corefile}]}
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  clusterIP: $DNS_IP
  selector: {k8s-app: kube-dns}
  ports:
  - {name: dns, port: 53, protocol: UDP}
  - {name: dns-tcp, port: 53, protocol: TCP}
EOF
k apply -f "$W/manifests/coredns.yaml" >/dev/null
k -n kube-system rollout status deploy/coredns --timeout=120s >/dev/null || { k -n kube-system get pods -o wide; k -n kube-system describe pods | tail -30; die "CoreDNS not ready"; }
log "CoreDNS ready"

# ---------------------------------------------------------------- metrics-server (for the HPA), when its image is built
if [ "${WITH_METRICS_SERVER:-1}" = 1 ] && [ -f "$images/metrics-server-$METRICS_SERVER_VERSION.tar" ]; then
cat >"$W/manifests/metrics-server.yaml" <<EOF
apiVersion: v1
kind: ServiceAccount
metadata: {name: metrics-server, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: system:metrics-server}
rules:
- apiGroups: [""]
  resources: [nodes/metrics]
  verbs: [get]
- apiGroups: [""]
  resources: [pods, nodes]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: system:metrics-server}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:metrics-server}
subjects: [{kind: ServiceAccount, name: metrics-server, namespace: kube-system}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: metrics-server:system:auth-delegator}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:auth-delegator}
subjects: [{kind: ServiceAccount, name: metrics-server, namespace: kube-system}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: metrics-server-auth-reader, namespace: kube-system}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: extension-apiserver-authentication-reader}
subjects: [{kind: ServiceAccount, name: metrics-server, namespace: kube-system}]
---
apiVersion: v1
kind: Service
metadata: {name: metrics-server, namespace: kube-system, labels: {k8s-app: metrics-server}}
spec:
  selector: {k8s-app: metrics-server}
  ports: [{name: https, port: 443, protocol: TCP, targetPort: https}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: metrics-server, namespace: kube-system, labels: {k8s-app: metrics-server}}
spec:
  replicas: 1
  selector: {matchLabels: {k8s-app: metrics-server}}
  template:
    metadata: {labels: {k8s-app: metrics-server}}
    spec:
      serviceAccountName: metrics-server
      priorityClassName: system-cluster-critical
      containers:
      - name: metrics-server
        image: registry.k8s.io/metrics-server/metrics-server:$METRICS_SERVER_VERSION
        imagePullPolicy: Never
        args:
        - --cert-dir=/tmp
        - --secure-port=10250
        - --kubelet-preferred-address-types=InternalIP
        - --kubelet-use-node-status-port
        - --metric-resolution=15s
        - --kubelet-certificate-authority=/var/run/secrets/kubernetes.io/serviceaccount/ca.crt
        ports: [{containerPort: 10250, name: https, protocol: TCP}]
        readinessProbe: {httpGet: {path: /readyz, port: https, scheme: HTTPS}, periodSeconds: 5, failureThreshold: 3}
        livenessProbe: {httpGet: {path: /livez, port: https, scheme: HTTPS}, periodSeconds: 10}
        resources: {requests: {cpu: 100m, memory: 200Mi}}
        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 65534, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}
        volumeMounts: [{name: tmp, mountPath: /tmp}]
      volumes: [{name: tmp, emptyDir: {}}]
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1beta1.metrics.k8s.io, labels: {k8s-app: metrics-server}}
spec:
  group: metrics.k8s.io
  version: v1beta1
  service: {name: metrics-server, namespace: kube-system}
  insecureSkipTLSVerify: true
  groupPriorityMinimum: 100
  versionPriority: 100
EOF
  k apply -f "$W/manifests/metrics-server.yaml" >/dev/null
  k -n kube-system rollout status deploy/metrics-server --timeout=120s >/dev/null || { k -n kube-system logs deploy/metrics-server | tail -20; die "metrics-server not ready"; }
  log "metrics-server ready"
fi
log "cluster up in $(( $(date +%s) - t0 ))s"
k get nodes -o wide
k get pods -A -o wide
echo "export KUBECONFIG=${CP[KUBECONFIG]}"
