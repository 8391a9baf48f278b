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
