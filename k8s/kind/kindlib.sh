# shellcheck shell=bash
# Shared by k8s/kind/up and down (sourced after k8s/local-cluster/lib.sh): kind on podman, its names and state.
# shellcheck disable=SC2034  # used by the scripts that source this file
KIND_CLUSTER=${KIND_CLUSTER:-triboka}
KIND_STATE=${KIND_STATE:-/var/lib/triboka-kind}
KUBECONFIG_FILE=$KIND_STATE/kubeconfig

# kind with its podman provider: this machine has no usable Docker engine (privileged containers fail there).
# KIND_EXPERIMENTAL_PROVIDER=docker on a machine with Docker (the node containers are then Docker's).
KIND_ENGINE=${KIND_EXPERIMENTAL_PROVIDER:-podman}
kind_cmd() { KIND_EXPERIMENTAL_PROVIDER=$KIND_ENGINE "$CACHE/bin/kind" "$@"; }
# the CRI image store of the cluster's (first) node
node_ctr() { "$KIND_ENGINE" exec -i "$(kind_cmd get nodes --name "$KIND_CLUSTER" | head -1)" ctr -n k8s.io "$@"; }

# kind_node_has_image IMAGE: the image is in the cluster's (first node's) containerd
kind_node_has_image() { node_ctr images ls -q | grep -qxF "$1"; }

# The node's CPU weight on cgroup v1 (this machine; podman's cgroupfs parent libpod_parent): the whole cluster -
# control plane, ingress, every pod - is one scheduling entity of weight 1024 there, next to each other session's
# autogroup (1024 each), where the local harness's pods alone weigh 1024 per CPU (the kubelet's kubepods) and its
# control plane runs as a session of its own (measured: a container's 4 busy loops got 0.39 CPU at 1024, 0.79 at
# 3072; the e2e load reached 22 to 28 requests/s at 1024). kind_cpu_weight SHARES sets the node and libpod_parent to SHARES;
# kind_cpu_weight 1024 restores podman's default. A no-op on cgroup v2 or another engine.
PODMAN_CPU_CGROUP=/sys/fs/cgroup/cpu/libpod_parent
kind_cpu_weight() {
  local node cid
  [ "$KIND_ENGINE" = podman ] && [ -w "$PODMAN_CPU_CGROUP/cpu.shares" ] || return 0
  echo "$1" > "$PODMAN_CPU_CGROUP/cpu.shares"
  for node in $(kind_cmd get nodes --name "$KIND_CLUSTER" 2>/dev/null); do
    cid=$(podman inspect --format '{{.Id}}' "$node")
    echo "$1" > "$PODMAN_CPU_CGROUP/libpod-$cid/cpu.shares"
  done
}
