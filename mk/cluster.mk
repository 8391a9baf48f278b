# Local Kubernetes cluster. `cluster-up` starts a real single-node cluster from source-built binaries as host
# processes (k8s/local-cluster/README.md); `kind-up` makes a kind cluster on podman from a node image built from
# the same sources, nothing pulled (k8s/kind/, KIND_LISTEN_ADDRESS=127.0.0.2 next to a running local cluster).
LOCAL_CLUSTER := $(CURDIR)/k8s/local-cluster
CLUSTER_STATE ?= /var/lib/triboka-cluster
KIND_CLUSTER ?= triboka
KIND_KUBECONFIG ?= /var/lib/triboka-kind/kubeconfig
# host address of the kind node's ports 80/443 (127.0.0.2 lets kind run while the local cluster holds 127.0.0.1)
KIND_LISTEN_ADDRESS ?= 127.0.0.1
export KIND_CLUSTER KIND_LISTEN_ADDRESS

.PHONY: cluster-up cluster-down cluster-status cluster-build cluster-base-image kind-up kind-down

cluster-up: ## start the local cluster (kubeconfig: /var/lib/triboka-cluster/kubeconfig)
	$(LOCAL_CLUSTER)/up

cluster-down: ## stop the local cluster and remove its processes, devices and state (binaries stay cached)
	$(LOCAL_CLUSTER)/down

cluster-status: ## show the local cluster's processes, node and pods
	@for f in $(CLUSTER_STATE)/run/*.pid; do \
	  [ -e "$$f" ] || { echo "local cluster: not running"; exit 0; }; \
	  n=$$(basename "$$f" .pid); p=$$(cat "$$f"); \
	  if [ -d /proc/$$p ]; then printf '  %-24s pid %-8s up\n' "$$n" "$$p"; else printf '  %-24s pid %-8s DOWN\n' "$$n" "$$p"; fi; \
	done
	@KUBECONFIG=$(CLUSTER_STATE)/kubeconfig /var/cache/triboka/bin/kubectl get nodes -o wide 2>/dev/null || true
	@KUBECONFIG=$(CLUSTER_STATE)/kubeconfig /var/cache/triboka/bin/kubectl get pods -A 2>/dev/null || true

cluster-build: ## build/cache the local cluster's binaries only (Kubernetes, etcd, CoreDNS, metrics-server, add-ons)
	$(LOCAL_CLUSTER)/build-binaries

cluster-base-image: ## build the local Debian bookworm base image localhost/triboka-base:bookworm
	$(LOCAL_CLUSTER)/base-image

kind-up: ## kind cluster from k8s/kind-config.yaml on podman: builds kind and the node image (cached), ingress, volumes, metrics-server (kubeconfig: /var/lib/triboka-kind/kubeconfig)
	$(CURDIR)/k8s/kind/up

kind-down: ## delete the kind cluster, its volumes and the kind network (caches stay)
	$(CURDIR)/k8s/kind/down
