# shellcheck shell=bash
# Shared by k8s/kind/up and down (sourced after k8s/local-cluster/lib.sh): kind on podman, its names and state.
# shellcheck disable=SC2034  # used by the scripts that source this file
KIND_CLUSTER=${KIND_CLUSTER:-triboka}
KIND_STATE=${KIND_STATE:-/var/lib/triboka-kind}
KUBECONFIG_FILE=$KIND_STATE/kubeconfig

# kind with its podman provider: this machine has no usable Docker engine (privileged containers fail there).
kind_cmd() { KIND_EXPERIMENTAL_PROVIDER=podman "$CACHE/bin/kind" "$@"; }

# kind_node_has_image IMAGE: the image is in the cluster's (first node's) containerd
kind_node_has_image() {
  local node
  node=$(kind_cmd get nodes --name "$KIND_CLUSTER" | head -1)
  podman exec "$node" ctr -n k8s.io images ls -q | grep -qxF "$1"
}
