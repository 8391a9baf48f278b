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

# kind_containers_conf FILE: the machine's containers.conf plus `pids_limit = 0`, for podman to create the node
# with (CONTAINERS_CONF). podman's default pids_limit (2048) caps the tasks of a container's pids cgroup, and a kind
# node is one container holding the whole cluster: its control plane, kubelet, containerd and every pod's threads
# share those 2048 (measured: the node's pids.peak passes it under the e2e load, and at the cap thread and process
# creation fail all over the node). kind's podman provider sets no --pids-limit of its own; Docker's default has
# no cap. podman 4.3 reads no CONTAINERS_CONF_OVERRIDE, hence a whole file.
kind_containers_conf() {
  local system=/etc/containers/containers.conf
  if grep -q '^\[containers\]' "$system" 2>/dev/null; then
    sed -e '/^[[:space:]]*pids_limit[[:space:]]*=/d' -e '/^\[containers\]/a pids_limit = 0' "$system"
  else
    printf '[containers]\npids_limit = 0\n'
    cat "$system" 2>/dev/null || true
  fi > "$1"
}
# the CRI image store of the cluster's (first) node
node_ctr() { "$KIND_ENGINE" exec -i "$(kind_cmd get nodes --name "$KIND_CLUSTER" | head -1)" ctr -n k8s.io "$@"; }

# kind_node_has_image IMAGE: the image is in the cluster's (first node's) containerd
kind_node_has_image() { node_ctr images ls -q | grep -qxF "$1"; }
