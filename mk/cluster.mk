# Local Kubernetes cluster. On machines without a Docker engine (this project's CI and dev VMs) `cluster-up`
# starts a real single-node cluster from source-built binaries as host processes (k8s/local-cluster/README.md);
# on machines with Docker, `kind-up` does the same job with kind.
LOCAL_CLUSTER := $(CURDIR)/k8s/local-cluster
CLUSTER_STATE ?= /var/lib/triboka-cluster
KIND ?= kind
KIND_CLUSTER ?= triboka

.PHONY: cluster-up cluster-down cluster-status cluster-build cluster-go-test cluster-base-image kind-up kind-down

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

# the project's own Go of the cluster (the ingress/Gateway controller, the volume provisioner): vet and unit tests,
# with the module and build caches the cluster's builds use (no cluster needed)
CLUSTER_GO_ENV := GOMODCACHE=/var/cache/triboka/go/mod GOCACHE=/var/cache/triboka/go/cache GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
cluster-go-test: ## go vet and go test the local cluster's own controllers (k8s/local-cluster/build/kubernetes/cmd)
	cd $(LOCAL_CLUSTER)/build/kubernetes && $(CLUSTER_GO_ENV) go vet ./cmd/... && $(CLUSTER_GO_ENV) go test ./cmd/...

cluster-base-image: ## build the local Debian bookworm base image localhost/triboka-base:bookworm
	$(LOCAL_CLUSTER)/base-image

kind-up: ## (Docker machines) create a kind cluster from k8s/kind-config.yaml
	$(KIND) create cluster --name $(KIND_CLUSTER) --config $(CURDIR)/k8s/kind-config.yaml --wait 120s

kind-down: ## (Docker machines) delete the kind cluster
	$(KIND) delete cluster --name $(KIND_CLUSTER)
