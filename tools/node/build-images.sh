#!/usr/bin/env bash
# Builds the node's container images as OCI layouts with umoci, from binaries in the cache and files of Debian
# packages, into $cache/images/<dir>/ (layout) and $cache/images/<dir>.tar (what `ctr images import` reads).
# Each layout's index.json names the image (io.containerd.image.name), so `ctr -n k8s.io images import` tags it.
# Idempotent: an image whose tar exists with the same names is not rebuilt (FORCE=1 rebuilds).
#   build-images.sh            every image          build-images.sh pause nginx   only those
#   build-images.sh --check    names the images not built yet (exit 1 if any), builds nothing
# Names: the upstream names the manifests pin where the image runs the same program (operator/runner TAGGED 3.31.0
# although built from 3.18.0 sources, see versions.env); chaos-stack.local/* where it does not (nginx is Debian's
# nginx configured like nginx-unprivileged: the e2e points the app at it with the `images` override).
build_name=build-images.sh
source "$(dirname "$0")/lib.sh"
# dir-name | image name(s, comma separated) | builder function
specs=(
  "pause-$PAUSE_VERSION|registry.k8s.io/pause:$PAUSE_VERSION|img_pause"
  "coredns-$COREDNS_VERSION|registry.k8s.io/coredns/coredns:$COREDNS_VERSION|img_coredns"
  "nginx-debian-1.22.1|chaos-stack.local/nginx-debian:1.22.1|img_nginx"
  "chaos-operator-$CHAOS_OPERATOR_VERSION|docker.io/litmuschaos/chaos-operator:3.31.0,chaos-stack.local/chaos-operator:$CHAOS_OPERATOR_VERSION|img_operator"
  "chaos-runner-$CHAOS_RUNNER_VERSION|docker.io/litmuschaos/chaos-runner:3.31.0,chaos-stack.local/chaos-runner:$CHAOS_RUNNER_VERSION|img_runner"
  "toolbox-1|chaos-stack.local/toolbox:1|img_toolbox"
  "metrics-server-$METRICS_SERVER_VERSION|registry.k8s.io/metrics-server/metrics-server:$METRICS_SERVER_VERSION|img_metrics_server"
  "go-runner-$LITMUS_GO_VERSION|docker.io/litmuschaos/go-runner:3.31.0,chaos-stack.local/go-runner:$LITMUS_GO_VERSION|img_gorunner"
)

need() { [ -x "$1" ] || die "missing $1 (run the build scripts first)"; }

# fetch_debs DIR PKG...: the packages' .deb files into DIR (kept there as the cache), unless present. Downloaded into
# the scratch folder first and moved in after: a download killed mid-way must not leave a truncated .deb that the
# next run would take as present.
fetch_debs() {
  local debs="$1" p missing=()
  shift
  mkdir -p "$debs"
  for p in "$@"; do ls "$debs/${p}"_*.deb >/dev/null 2>&1 || missing+=("$p"); done
  [ "${#missing[@]}" -gt 0 ] || return 0
  rm -rf "$TMPDIR/debs"; mkdir -p "$TMPDIR/debs"
  (cd "$TMPDIR/debs" && apt-get download "${missing[@]}") || die "apt-get download ${missing[*]} failed (apt-get update?)"
  mv -f "$TMPDIR/debs/"*.deb "$debs/"
}

# add_bin ROOT FILE [DEST]: copy a binary and the shared libraries it loads (ldd) into ROOT.
add_bin() {
  local root="$1" f="$2" dest="${3:-$2}" lib
  install -D -m 0755 "$f" "$root$dest"
  for lib in $(ldd "$f" 2>/dev/null | sed -n -E 's/.*=> (\/[^ ]+) .*/\1/p; s/^[[:space:]]*(\/[^ ]+) \(.*/\1/p'); do
    [ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
  done
}

# base ROOT USER UID GID HOME: /etc/passwd, /etc/group with root, nobody and the image user; /tmp.
base() {
  local root="$1" user="$2" uid="$3" gid="$4" home="$5"
  mkdir -p "$root/etc" "$root/tmp" "$root$home"
  chmod 1777 "$root/tmp"
  {
    echo 'root:x:0:0:root:/root:/sbin/nologin'
    echo 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin'
    [ "$uid" = 0 ] || [ "$uid" = 65534 ] || echo "$user:x:$uid:$gid:$user:$home:/sbin/nologin"
  } >"$root/etc/passwd"
  {
    echo 'root:x:0:'
    echo 'nogroup:x:65534:'
    [ "$gid" = 0 ] || [ "$gid" = 65534 ] || echo "$user:x:$gid:"
  } >"$root/etc/group"
  echo 'hosts: files dns' >"$root/etc/nsswitch.conf"
}

img_pause() {
  local r="$1" b; b="$(path_of pause "$PAUSE_VERSION")"; need "$b"
  install -D -m 0755 "$b" "$r/pause"
  cfg=(--config.user 65535:65535 --config.entrypoint /pause)
}

img_coredns() {
  local r="$1" b; b="$(path_of coredns "$COREDNS_VERSION")"; need "$b"
  base "$r" root 0 0 /root
  install -D -m 0755 "$b" "$r/coredns"
  cfg=(--config.entrypoint /coredns --config.exposedports 53/udp --config.exposedports 53/tcp)
}

img_nginx() {
  local r="$1" debs="$cache/debs/nginx" x
  fetch_debs "$debs" nginx nginx-common
  x="$(mktemp -d)"
  dpkg -x "$(ls "$debs"/nginx_*.deb | tail -1)" "$x"
  dpkg -x "$(ls "$debs"/nginx-common_*.deb | tail -1)" "$x"
  base "$r" nginx 101 101 /nonexistent
  add_bin "$r" "$x/usr/sbin/nginx" /usr/sbin/nginx
  install -D -m 0644 "$x/etc/nginx/mime.types" "$r/etc/nginx/mime.types"
  install -D -m 0644 "$x/usr/share/nginx/html/index.html" "$r/usr/share/nginx/html/index.html"
  rm -rf "$x"
  # Like nginxinc/nginx-unprivileged: port 8080, pid and temp files in /tmp, logs to stdout/stderr, no `user`.
  cat >"$r/etc/nginx/nginx.conf" <<'EOF'
worker_processes 1;
pid /tmp/nginx.pid;
error_log stderr notice;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log /dev/stdout;
  client_body_temp_path /tmp/client_temp;
  proxy_temp_path /tmp/proxy_temp;
  fastcgi_temp_path /tmp/fastcgi_temp;
  uwsgi_temp_path /tmp/uwsgi_temp;
  scgi_temp_path /tmp/scgi_temp;
  sendfile on;
  keepalive_timeout 65;
  server {
    listen 8080;
    server_name localhost;
    location / { root /usr/share/nginx/html; index index.html; }
  }
}
EOF
  cfg=(--config.user 101:101 --config.entrypoint /usr/sbin/nginx --config.entrypoint -e --config.entrypoint stderr
       --config.cmd -g --config.cmd 'daemon off;' --config.exposedports 8080/tcp --config.stopsignal SIGQUIT)
}

img_operator() {
  local r="$1" b; b="$(path_of chaos-operator "$CHAOS_OPERATOR_VERSION")"; need "$b"
  base "$r" nobody 65534 65534 /nonexistent
  install -D -m 0755 "$b" "$r/usr/local/bin/chaos-operator"
  cfg=(--config.user 65534 --config.entrypoint /usr/local/bin/chaos-operator --config.env OPERATOR=/usr/local/bin/chaos-operator)
}

img_runner() {
  local r="$1" b; b="$(path_of chaos-runner "$CHAOS_RUNNER_VERSION")"; need "$b"
  base "$r" nobody 65534 65534 /nonexistent
  install -D -m 0755 "$b" "$r/usr/local/bin/chaos-runner"
  cfg=(--config.user 65534 --config.entrypoint /usr/local/bin/chaos-runner --config.env RUNNER=/usr/local/bin/chaos-runner)
}

img_metrics_server() {
  local r="$1" b; b="$(path_of metrics-server "$METRICS_SERVER_VERSION")"; need "$b"
  base "$r" nobody 65534 65534 /nonexistent
  install -D -m 0755 "$b" "$r/metrics-server"
  cfg=(--config.user 65534:65534 --config.entrypoint /metrics-server)
}

# toolbox: curl (Debian, with its libraries) and busybox (Debian busybox-static: nslookup, wget, sh), user 65534.
img_toolbox() {
  local r="$1" debs="$cache/debs/busybox" x
  fetch_debs "$debs" busybox-static
  x="$(mktemp -d)"; dpkg -x "$(ls "$debs"/busybox-static_*.deb | tail -1)" "$x"
  base "$r" nobody 65534 65534 /nonexistent
  install -D -m 0755 "$x/bin/busybox" "$r/bin/busybox"
  for a in sh nslookup wget cat ls sleep env ps ip; do ln -s busybox "$r/bin/$a"; done
  rm -rf "$x"
  add_bin "$r" /usr/bin/curl /usr/bin/curl
  mkdir -p "$r/etc/ssl/certs"
  cfg=(--config.user 65534:65534 --config.entrypoint /bin/sh)
}

# go-runner: litmus-go's experiments and helpers in /litmus (the WORKDIR of litmus-go's build/Dockerfile, where the
# ChaosExperiment's `./experiments -name <fault>` runs), bash (the experiments' command is /bin/bash -c), user 2000.
# For the helper-pod faults also what the helpers exec: sudo (Debian; `ALL ALL=(ALL:ALL) NOPASSWD: ALL` as upstream,
# PAM reduced to pam_permit), crictl (built, /sbin/crictl as upstream), kubectl (built, /usr/bin/kubectl as upstream),
# nsenter, tc, kill (host Debian binaries).
# Not included (no source here): promql (chaosnative/promql-cli, for promProbes), pause/nsutil/dns_interceptor
# (litmuschaos/test-tools, for the stress and DNS faults), stress-ng, toxiproxy, docker, kubectl.
img_gorunner() {
  local r="$1" e h c; e="$(path_of experiments "$LITMUS_GO_VERSION")"; h="$(path_of helpers "$LITMUS_GO_VERSION")"
  c="$(path_of crictl "$CRICTL_VERSION")"
  need "$e"; need "$h"; need "$c"
  base "$r" litmus 2000 0 /litmus
  add_bin "$r" /bin/bash /bin/bash
  ln -s bash "$r/bin/sh"
  install -m 0755 -o 2000 -g 0 "$e" "$r/litmus/experiments"
  install -m 0755 -o 2000 -g 0 "$h" "$r/litmus/helpers"
  chown 2000:0 "$r/litmus"; chmod 0775 "$r/litmus"
  install -D -m 0755 "$c" "$r/sbin/crictl"
  # helpers run `kubectl annotate chaosresult ...` (pkg/result AnnotateChaosResult); upstream ships kubectl v1.31.0
  install -D -m 0755 "$(path_of kubectl "$KUBERNETES_VERSION")" "$r/usr/bin/kubectl"
  local f; for f in /usr/bin/nsenter /usr/sbin/tc /usr/bin/kill /usr/bin/cat /usr/bin/ls /usr/bin/id; do add_bin "$r" "$f"; done
  # sudo
  local debs="$cache/debs/sudo" x
  fetch_debs "$debs" sudo
  x="$(mktemp -d)"; dpkg -x "$(ls "$debs"/sudo_*.deb | tail -1)" "$x"
  mkdir -p "$r/usr/libexec/sudo"; cp -a "$x/usr/libexec/sudo/." "$r/usr/libexec/sudo/"
  LD_LIBRARY_PATH="$x/usr/libexec/sudo" add_bin "$r" "$x/usr/bin/sudo" /usr/bin/sudo
  for f in "$x"/usr/libexec/sudo/*.so; do LD_LIBRARY_PATH="$x/usr/libexec/sudo" add_bin "$r" "$f" "/usr/libexec/sudo/$(basename "$f")"; done
  chmod 4755 "$r/usr/bin/sudo"
  rm -rf "$x"
  install -D -m 0644 /lib/x86_64-linux-gnu/security/pam_permit.so "$r/lib/x86_64-linux-gnu/security/pam_permit.so"
  mkdir -p "$r/etc/pam.d"
  printf 'auth sufficient pam_permit.so\naccount sufficient pam_permit.so\nsession sufficient pam_permit.so\n' >"$r/etc/pam.d/sudo"
  cp "$r/etc/pam.d/sudo" "$r/etc/pam.d/other"
  printf 'Defaults !requiretty\nroot ALL=(ALL:ALL) ALL\nALL ALL=(ALL:ALL) NOPASSWD: ALL\n' >"$r/etc/sudoers"; chmod 0440 "$r/etc/sudoers"
  echo 'localhost' >"$r/etc/hostname"
  cfg=(--config.user 2000 --config.workingdir /litmus --config.env APP_USER=litmus --config.env APP_DIR=/litmus
       --config.env DATA_DIR=/litmus/data)
}

# built DIR NAMES: the image's tar is there (it only appears by a rename, after the layout is complete) and was made
# with these names (written after the tar: a build killed between the two is redone).
built() { [ -f "$images/$1.tar" ] && [ "$(cat "$images/$1.names" 2>/dev/null)" = "$2" ]; }

# build_one DIR NAMES FUNC
build_one() {
  local dir="$1" names="$2" fn="$3" t0 tag tmp first
  if built "$dir" "$names" && [ "${FORCE:-0}" != 1 ]; then
    log "$dir: cached"; return 0
  fi
  t0=$(date +%s)
  tmp="$(mktemp -d)"
  tag="latest"
  mkdir -p "$tmp/rootfs"
  cfg=()
  "$fn" "$tmp/rootfs"
  umoci init --layout "$tmp/oci"
  umoci new --image "$tmp/oci:$tag"
  umoci insert --image "$tmp/oci:$tag" "$tmp/rootfs" /
  umoci config --image "$tmp/oci:$tag" --os linux --architecture amd64 --author chaos-stack \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${cfg[@]}"
  umoci gc --layout "$tmp/oci"
  # One index entry per image name: containerd's importer tags each entry with its io.containerd.image.name.
  python3 - "$tmp/oci/index.json" "$names" <<'EOF'
import json, sys
path, names = sys.argv[1], sys.argv[2].split(',')
idx = json.load(open(path))
m = idx['manifests'][0]
entries = []
for n in names:
    d = dict(m)
    d['annotations'] = {'io.containerd.image.name': n, 'org.opencontainers.image.ref.name': n}
    entries.append(d)
idx['manifests'] = entries
json.dump(idx, open(path, 'w'))
EOF
  rm -rf "$images/$dir" "$images/$dir.tar.tmp"
  tar -C "$tmp/oci" -cf "$images/$dir.tar.tmp" .
  mv "$tmp/oci" "$images/$dir"
  mv "$images/$dir.tar.tmp" "$images/$dir.tar"
  echo "$names" >"$images/$dir.names"
  rm -rf "$tmp"
  log "$dir: $names ($(du -h "$images/$dir.tar" | cut -f1), $(( $(date +%s) - t0 ))s)"
}

if [ "${1:-}" = --check ]; then
  left=()
  for s in "${specs[@]}"; do IFS='|' read -r dir names _ <<<"$s"; built "$dir" "$names" || left+=("image $dir"); done
  [ "${#left[@]}" = 0 ] || printf '%s\n' "${left[@]}"
  [ "${#left[@]}" = 0 ]; exit
fi

command -v umoci >/dev/null || die "umoci is missing (apt-get install umoci)"
mkdir -p "$images"
exec 8>"$cache/images-build.lock"; flock 8
scratch_dir images-build

want=("$@")
for s in "${specs[@]}"; do
  IFS='|' read -r dir names fn <<<"$s"
  if [ "${#want[@]}" -gt 0 ]; then
    hit=0; for w in "${want[@]}"; do case "$dir" in "$w"*) hit=1 ;; esac; done
    [ "$hit" = 1 ] || continue
  fi
  build_one "$dir" "$names" "$fn"
done
log "done in $(elapsed)"
