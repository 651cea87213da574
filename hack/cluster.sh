#!/usr/bin/env bash
# The local control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
# kwok as local processes on loopback, and real nodes beside it (hack/node.sh). `up` builds what is missing (cached by version), starts
# whatever is not running, waits for readiness and writes .local/kubeconfig; `down` stops every
# process it started; `status` tells whether it answers.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLUSTER_DIR="$LOCAL_DIR/cluster"
PKI="$CLUSTER_DIR/pki"
RUN="$CLUSTER_DIR/run"
LOGS="$CLUSTER_DIR/logs"
ETCD_PORT="${DRM_ETCD_PORT:-42379}"
ETCD_PEER_PORT="${DRM_ETCD_PEER_PORT:-42380}"
APISERVER_PORT="${DRM_APISERVER_PORT:-46443}"
CONTROLLER_MANAGER_PORT="${DRM_CONTROLLER_MANAGER_PORT:-46257}"
SCHEDULER_PORT="${DRM_SCHEDULER_PORT:-46259}"
KWOK_PORT="${DRM_KWOK_PORT:-46710}"
APISERVER_URL="https://127.0.0.1:${APISERVER_PORT}"
# Services' addresses, and the `kubernetes` Service's (the range's first), which the real nodes'
# host holds (hack/node.sh): a second control plane with real nodes needs ranges of its own.
SERVICE_CIDR="${DRM_SERVICE_CIDR:-10.96.0.0/16}"
SERVICE_IP="${DRM_SERVICE_IP:-10.96.0.1}"
# Extra kube-apiserver flags, split on spaces (the chaos suite restarts it with low in-flight limits).
read -ra APISERVER_EXTRA_ARGS <<<"${DRM_APISERVER_EXTRA_ARGS:-}"
# Start order; `down` stops in reverse.
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

pid_of() { cat "$RUN/$1.pid" 2>/dev/null || true; }
alive() { pid_alive "$RUN/$1.pid"; }

kubectl_local() { "$CONTROL_PLANE_BIN/kubectl" --kubeconfig "$LOCAL_KUBECONFIG" "$@"; }

apiserver_ready() {
  [[ -f "$LOCAL_KUBECONFIG" ]] && kubectl_local get --raw /readyz --request-timeout=3s >/dev/null 2>&1
}

# A component's wait shows the end of its log on timeout.
wait_for() { # description timeout-seconds command...
  wait_until --log "$LOGS/$1.log" "$@"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A CA, the API server's serving certificate, a client certificate per component and the
# service-account signing key. Made once per clone; all private, all on loopback.
make_pki() {
  if [[ -f "$PKI/done" ]]; then make_apiserver_kubelet_client_cert; make_apiserver_cert_for_service_ip; return 0; fi
  log "creating certificates in $PKI"
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  (
    cd "$PKI"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -keyout ca.key -out ca.crt \
      -subj "/CN=drm-local-ca" 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    cat >apiserver.ext <<EXT
subjectAltName=IP:127.0.0.1,IP:${SERVICE_IP},DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
extendedKeyUsage=serverAuth
EXT
    issue() { # name subject extfile
      openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
        -out "$1.crt" ${3:+-extfile "$3"} 2>/dev/null
      rm -f "$1.csr"
    }
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    issue apiserver "/CN=kube-apiserver" apiserver.ext
    issue admin "/O=system:masters/CN=drm-admin" client.ext
    issue controller-manager "/CN=system:kube-controller-manager" client.ext
    issue scheduler "/CN=system:kube-scheduler" client.ext
    issue kwok "/O=system:masters/CN=kwok-controller" client.ext
  )
  make_apiserver_kubelet_client_cert
  touch "$PKI/done"
}

# A state directory made with another service range: its serving certificate is issued again for
# this one's `kubernetes` Service address.
make_apiserver_cert_for_service_ip() {
  openssl x509 -in "$PKI/apiserver.crt" -noout -ext subjectAltName 2>/dev/null | grep -q "IP Address:${SERVICE_IP}\(,\|\$\)" && return 0
  log "issuing the API server's certificate again, for the service address $SERVICE_IP"
  (
    cd "$PKI"
    sed -i "s/^subjectAltName=IP:127.0.0.1,IP:[^,]*,/subjectAltName=IP:127.0.0.1,IP:${SERVICE_IP},/" apiserver.ext
    openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -out apiserver.crt -extfile apiserver.ext 2>/dev/null
    rm -f apiserver.csr
  )
}

# The API server's identity towards kubelets (logs, exec, port-forward), which authorize it
# through the API server itself: system:masters may do all of it. Added to older clones' PKI too.
make_apiserver_kubelet_client_cert() {
  [[ -f "$PKI/apiserver-kubelet-client.crt" ]] && return 0
  (
    cd "$PKI"
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl req -newkey rsa:2048 -nodes -keyout apiserver-kubelet-client.key -out apiserver-kubelet-client.csr \
      -subj "/O=system:masters/CN=kube-apiserver-kubelet-client" 2>/dev/null
    openssl x509 -req -in apiserver-kubelet-client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -out apiserver-kubelet-client.crt -extfile client.ext 2>/dev/null
    rm -f apiserver-kubelet-client.csr
  )
}

write_kubeconfig() { # file client-name
  cat >"$1" <<KC
apiVersion: v1
kind: Config
clusters:
- name: drm-local
  cluster:
    server: ${APISERVER_URL}
    certificate-authority: ${PKI}/ca.crt
users:
- name: $2
  user:
    client-certificate: ${PKI}/$2.crt
    client-key: ${PKI}/$2.key
contexts:
- name: drm-local
  context: {cluster: drm-local, user: $2}
current-context: drm-local
KC
  chmod 600 "$1"
}

start() { # component args...
  local name="$1"
  shift
  if alive "$name"; then return 0; fi
  log "starting $name"
  start_background "$RUN/$name.pid" "$LOGS/$name.log" "$CONTROL_PLANE_BIN/$name" "$@"
}

# The control plane's ports lie in Linux's ephemeral range (32768-60999), so any outgoing
# connection may be given one as its local port, and a component restarted then fails to bind
# ("address already in use": kwok's port once did). As root, reserve them, so the kernel no longer
# hands them out; without root, nothing changes.
reserve_ports() {
  local file=/proc/sys/net/ipv4/ip_local_reserved_ports current port wanted=()
  [[ -w "$file" ]] || return 0
  current="$(cat "$file")"
  for port in "$ETCD_PORT" "$ETCD_PEER_PORT" "$APISERVER_PORT" "$CONTROLLER_MANAGER_PORT" "$SCHEDULER_PORT" "$KWOK_PORT"; do
    [[ ",$current," == *",$port,"* ]] || wanted+=("$port")
  done
  (( ${#wanted[@]} == 0 )) && return 0
  echo "${current:+$current,}$(IFS=,; echo "${wanted[*]}")" >"$file" 2>/dev/null || true
}

up() {
  if using_external_cluster; then
    log "KUBECONFIG points at $KUBECONFIG: using that cluster, nothing to start"
    return 0
  fi
  reserve_ports
  bash "$HACK_DIR/build-control-plane.sh"
  mkdir -p "$RUN" "$LOGS" "$CLUSTER_DIR/etcd"
  if apiserver_ready && alive etcd && alive kube-apiserver && alive kube-controller-manager \
    && alive kube-scheduler && alive kwok; then
    log "local control plane already running ($APISERVER_URL)"
    start_real_nodes
    return 0
  fi
  local c port
  for c in "${COMPONENTS[@]}"; do
    if ! alive "$c"; then
      case "$c" in
        etcd) port=$ETCD_PORT ;; kube-apiserver) port=$APISERVER_PORT ;;
        kube-controller-manager) port=$CONTROLLER_MANAGER_PORT ;;
        kube-scheduler) port=$SCHEDULER_PORT ;; kwok) port=$KWOK_PORT ;;
      esac
      port_free "$port" || { log "port $port for $c is taken (set DRM_*_PORT to move it)"; exit 1; }
    fi
  done
  make_pki
  write_kubeconfig "$LOCAL_KUBECONFIG" admin
  write_kubeconfig "$CLUSTER_DIR/controller-manager.kubeconfig" controller-manager
  write_kubeconfig "$CLUSTER_DIR/scheduler.kubeconfig" scheduler
  write_kubeconfig "$CLUSTER_DIR/kwok.kubeconfig" kwok

  # fsync off: a throwaway test cluster trades durability for speed.
  start etcd --name drm-local --data-dir "$CLUSTER_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "drm-local=http://127.0.0.1:$ETCD_PEER_PORT" --unsafe-no-fsync --log-level warn
  wait_for etcd 90 bash -c "exec 3<>/dev/tcp/127.0.0.1/$ETCD_PORT"

  start kube-apiserver --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
    --cert-dir "$CLUSTER_DIR/apiserver-certs" \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --client-ca-file "$PKI/ca.crt" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" --authorization-mode Node,RBAC \
    --endpoint-reconciler-type none --allow-privileged=true --profiling=false \
    --kubelet-preferred-address-types InternalIP --kubelet-certificate-authority "$PKI/ca.crt" \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    "${APISERVER_EXTRA_ARGS[@]}"
  wait_for kube-apiserver 120 apiserver_ready

  start kube-controller-manager --kubeconfig "$CLUSTER_DIR/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$CONTROLLER_MANAGER_PORT" --leader-elect=false \
    --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
    --use-service-account-credentials=true \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --profiling=false
  start kube-scheduler --kubeconfig "$CLUSTER_DIR/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$SCHEDULER_PORT" --leader-elect=false --profiling=false
  # kwok plays the kubelet for nodes annotated kwok.x-k8s.io/node=fake, and only those, moving
  # them and their pods through the stages in hack/kwok/ (and DRM_KWOK_CONFIG's options, if set:
  # the scale bench's control plane raises kwok's parallelism for 1,000 nodes).
  start kwok --kubeconfig "$CLUSTER_DIR/kwok.kubeconfig" --config "$HACK_DIR/kwok/stages.yaml" ${DRM_KWOK_CONFIG:+--config "$DRM_KWOK_CONFIG"} \
    --node-lease-duration-seconds 40 \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
    --server-address "127.0.0.1:$KWOK_PORT" --cidr 10.244.0.1/16 --node-ip 127.0.0.1

  wait_for kube-controller-manager 60 curl -ksf "https://127.0.0.1:$CONTROLLER_MANAGER_PORT/healthz"
  wait_for kube-scheduler 60 curl -ksf "https://127.0.0.1:$SCHEDULER_PORT/healthz"
  wait_for kwok 60 curl -sf "http://127.0.0.1:$KWOK_PORT/healthz"
  # Pods need the namespace's default ServiceAccount, made by the controller manager.
  wait_for "the default ServiceAccount" 60 kubectl_local get serviceaccount default -n default
  for c in "${COMPONENTS[@]}"; do alive "$c" || { log "$c exited; see $LOGS/$c.log"; exit 1; }; done
  log "local control plane ready at $APISERVER_URL (kubeconfig: $LOCAL_KUBECONFIG)"
  start_real_nodes
}

# Real nodes (kubelet + containerd, hack/node.sh) beside kwok's simulated ones; DRM_REAL_NODES=0
# leaves them out (they need root).
start_real_nodes() {
  [[ "${DRM_REAL_NODES:-1}" == 1 ]] || return 0
  bash "$HACK_DIR/node.sh" up
}

down() {
  local i
  bash "$HACK_DIR/node.sh" down "$@"
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    stop_pid_file "${COMPONENTS[$i]}" "$RUN/${COMPONENTS[$i]}.pid"
  done
  # Anything of ours that outlived its pid file (a crashed `up`, say) refers to this clone's
  # cluster directory on its command line.
  local leftovers
  leftovers="$(pgrep -f -- "$CLUSTER_DIR/" || true)"
  if [[ -n "$leftovers" ]]; then
    log "stopping leftover processes: $(echo "$leftovers" | tr '\n' ' ')"
    kill -KILL $leftovers 2>/dev/null || true
    for pid in $leftovers; do while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done; done
  fi
  if [[ "${1:-}" == "--purge" ]]; then rm -rf "$CLUSTER_DIR/etcd" "$LOCAL_KUBECONFIG"; fi
  log "local control plane stopped"
}

status() {
  local c
  bash "$HACK_DIR/node.sh" status
  for c in "${COMPONENTS[@]}"; do
    if alive "$c"; then echo "$c: running (pid $(pid_of "$c"))"; else echo "$c: stopped"; fi
  done
  if apiserver_ready; then echo "apiserver: ready at $APISERVER_URL"; else echo "apiserver: not ready"; fi
}

case "${1:-}" in
  up) up ;;
  down) shift; down "$@" ;;
  status) status ;;
  *) echo "usage: $0 up | down [--purge] | status" >&2; exit 2 ;;
esac
