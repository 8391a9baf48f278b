# End-to-end tests of the chart on a real Kubernetes (tests/e2e, pytest marker `e2e`): install with TLS, the
# platform through the ingress and in Chromium, zero-downtime upgrade/rollback under load, self-healing, backups,
# HPA, probes, the chart's alerts in a real Prometheus. `test-e2e` uses the local cluster of k8s/local-cluster (built from source on a cold machine) and
# tears it down at the end, even on failure, unless E2E_KEEP_CLUSTER=1. `test-e2e-kind` runs the same suite on a
# kind cluster (`make kind-up`, podman, node image built locally; k8s/kind/), deleted at the end likewise.
# the chart's images and the alert scenario's Prometheus (test_12_alerts.py), built from the module promtool comes
# from and tagged with its version
E2E_IMAGES = $(CHART_IMAGES) $(shell $(CURDIR)/scripts/build-images --refs prometheus)
# both e2e paths build them alike (a recipe line, not a target: on a new machine Go and podman come from the
# cluster-up / kind-up that runs before it in the same recipe)
E2E_BUILD_IMAGES = t=$$(date +%s); $(MAKE) --no-print-directory images; $(CURDIR)/scripts/build-images prometheus; \
	echo "e2e: images $$(( $$(date +%s) - t )) s"
E2E_PYTEST ?= $(BIN)/pytest tests/e2e -m e2e -q
# image tests that need a cluster (the Patroni image keeps its state in Kubernetes): run in the e2e window
E2E_IMAGE_PYTEST ?= $(BIN)/pytest tests/images -m cluster -q

.PHONY: test-e2e test-e2e-kind e2e-deps e2e-run e2e-run-kind

e2e-deps: web-chromium
	@command -v certutil >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libnss3-tools >/dev/null)

test-e2e: venv chart-helm web-assets e2e-deps ## end-to-end tests on the local cluster: cluster-up, images, load, pytest tests/e2e, cluster-down (E2E_KEEP_CLUSTER=1 keeps it)
	@start=$$(date +%s); status=0; \
	$(MAKE) --no-print-directory e2e-run || status=$$?; \
	if [ "$(E2E_KEEP_CLUSTER)" = 1 ]; then echo "E2E_KEEP_CLUSTER=1: the local cluster keeps running"; \
	else $(MAKE) --no-print-directory cluster-down || status=$${status/#0/1}; fi; \
	echo "test-e2e: $$(( $$(date +%s) - start )) s, exit $$status"; exit $$status

e2e-run: chart-helm e2e-deps
	@t=$$(date +%s); $(MAKE) --no-print-directory cluster-up; echo "e2e: cluster-up $$(( $$(date +%s) - t )) s"
	@$(E2E_BUILD_IMAGES)
	@t=$$(date +%s); $(CURDIR)/tests/e2e/load-changed-images $(E2E_IMAGES); echo "e2e: load-images $$(( $$(date +%s) - t )) s"
	@status=0; export TRIBOKA_E2E_CLUSTER=local KUBECONFIG=$(LOCAL_KUBECONFIG) HELM=$(HELM); \
	t=$$(date +%s); $(E2E_IMAGE_PYTEST) || status=$$?; echo "e2e: cluster image tests $$(( $$(date +%s) - t )) s"; \
	$(E2E_PYTEST) || status=$$?; exit $$status

test-e2e-kind: venv chart-helm web-assets e2e-deps ## the same end-to-end suite on kind: kind-up, images, load, pytest tests/e2e, kind-down (E2E_KEEP_CLUSTER=1 keeps it)
	@start=$$(date +%s); status=0; \
	$(MAKE) --no-print-directory e2e-run-kind || status=$$?; \
	if [ "$(E2E_KEEP_CLUSTER)" = 1 ]; then echo "E2E_KEEP_CLUSTER=1: the kind cluster keeps running"; \
	else $(MAKE) --no-print-directory kind-down || status=$${status/#0/1}; fi; \
	echo "test-e2e-kind: $$(( $$(date +%s) - start )) s, exit $$status"; exit $$status

# The ingress is on KIND_LISTEN_ADDRESS (k8s/kind/up); the suite's clients and browser follow E2E_INGRESS_ADDRESS.
e2e-run-kind: chart-helm e2e-deps
	@t=$$(date +%s); $(MAKE) --no-print-directory kind-up; echo "e2e: kind-up $$(( $$(date +%s) - t )) s"
	@$(E2E_BUILD_IMAGES)
	@t=$$(date +%s); TRIBOKA_E2E_CLUSTER=kind $(CURDIR)/tests/e2e/load-changed-images $(E2E_IMAGES); echo "e2e: load-images $$(( $$(date +%s) - t )) s"
	TRIBOKA_E2E_CLUSTER=kind KUBECONFIG=$(KIND_KUBECONFIG) E2E_INGRESS_ADDRESS=$(KIND_LISTEN_ADDRESS) \
	  HELM=$(HELM) $(E2E_PYTEST)
