# The Helm chart (charts/triboka): lint, render + strict schema validation, render tests, checkov; deploys to a
# kind cluster (machines with Docker) or to the local cluster of k8s/local-cluster (machines without).
CHART_DIR := charts/triboka
# helm 4, built from its Go module (k8s/local-cluster/build/helm) by k8s/local-cluster/install-helm, which links
# this stable path to the build; set HELM to use another helm instead.
HELM_DEFAULT := /var/cache/triboka/bin/helm
HELM ?= $(HELM_DEFAULT)
# promtool (Prometheus 3.x) built the same way from its module (k8s/local-cluster/build/promtool): the alert tests
PROMTOOL_DEFAULT := /var/cache/triboka/bin/promtool
PROMTOOL ?= $(PROMTOOL_DEFAULT)
CHECKOV_VENV := $(CURDIR)/.venv-checkov
# checkov and every dependency pinned with their hashes (compiled from checkov-requirements.in; its header says how)
CHECKOV_REQUIREMENTS := tests/chart/checkov-requirements.txt
CHART_RENDER := var/chart/default-render.yaml
# the in-chart Redis is off by default; checkov also sees its objects through this scenario
CHART_RENDER_REDIS := var/chart/redis-render.yaml
# and the replicated PostgreSQL (postgresql.ha: Patroni's StatefulSet, RBAC, Services)
CHART_RENDER_HA := var/chart/postgresql-ha-render.yaml
RELEASE ?= triboka
NAMESPACE ?= triboka
# the local cluster's kubeconfig (k8s/local-cluster/up)
LOCAL_KUBECONFIG ?= /var/lib/triboka-cluster/kubeconfig

.PHONY: chart-helm chart-promtool chart-gateway-api chart-lint chart-checkov test-chart kind-deploy local-deploy

chart-helm: ## build helm 4 from its Go module and link /var/cache/triboka/bin/helm to it (unless HELM names another)
	@if [ "$(HELM)" = "$(HELM_DEFAULT)" ]; then $(CURDIR)/k8s/local-cluster/install-helm; else test -x "$(HELM)"; fi

$(CHECKOV_VENV)/.installed: $(CHECKOV_REQUIREMENTS)
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -q --disable-pip-version-check --require-hashes --no-deps \
	  -r $(CHECKOV_REQUIREMENTS)
	@touch $@

chart-lint: chart-helm ## helm lint --strict the chart with each ci/*-values.yaml scenario
	@for f in $(CHART_DIR)/ci/*-values.yaml; do \
	  $(HELM) lint --strict --quiet $(CHART_DIR) --values "$$f" >/dev/null || { $(HELM) lint --strict $(CHART_DIR) --values "$$f"; exit 1; }; \
	  echo "helm lint --strict: ok with $$f"; \
	done

chart-checkov: chart-helm $(CHECKOV_VENV)/.installed ## checkov's Kubernetes checks on the default, the in-chart Redis and the replicated PostgreSQL renders (exceptions and reasons: .checkov.yaml)
	@mkdir -p $(dir $(CHART_RENDER))
	$(HELM) template $(RELEASE) $(CHART_DIR) --namespace $(NAMESPACE) > $(CHART_RENDER)
	$(HELM) template $(RELEASE) $(CHART_DIR) --namespace $(NAMESPACE) --values $(CHART_DIR)/ci/redis-values.yaml > $(CHART_RENDER_REDIS)
	$(HELM) template $(RELEASE) $(CHART_DIR) --namespace $(NAMESPACE) --values $(CHART_DIR)/ci/postgresql-ha-values.yaml > $(CHART_RENDER_HA)
	$(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml --file $(CHART_RENDER) --file $(CHART_RENDER_REDIS) --file $(CHART_RENDER_HA) --quiet

chart-promtool: ## build promtool from the Prometheus Go module and link /var/cache/triboka/bin/promtool (unless PROMTOOL names another)
	@if [ "$(PROMTOOL)" = "$(PROMTOOL_DEFAULT)" ]; then $(CURDIR)/k8s/local-cluster/install-tool promtool; else test -x "$(PROMTOOL)"; fi

# The Gateway API CRDs (sigs.k8s.io/gateway-api, pinned in the script) the render tests validate HTTPRoute/Gateway against.
chart-gateway-api: ## fetch the Gateway API module (its standard CRDs) into the Go module cache
	@$(CURDIR)/k8s/local-cluster/gateway-api-crds

test-chart: venv postgres chart-helm chart-promtool chart-gpg chart-gateway-api chart-lint chart-checkov ## chart tests: helm lint, render + kubernetes-validate of every scenario, pytest tests/chart (also a signed package), checkov
	HELM=$(HELM) PROMTOOL=$(PROMTOOL) $(BIN)/pytest tests/chart -q

kind-deploy: images chart-helm ## (after `make kind-up`) load the images into kind, install the chart with k8s/values/local.yaml (same add-ons), run helm test
	$(CURDIR)/k8s/kind/load-images $(CHART_IMAGES)
	KUBECONFIG=$(KIND_KUBECONFIG) $(HELM) upgrade --install $(RELEASE) $(CHART_DIR) --namespace $(NAMESPACE) --create-namespace \
	  --values k8s/values/local.yaml --set-string api.image.tag=$(IMAGE_TAG),web.image.tag=$(IMAGE_TAG),backup.image.tag=$(IMAGE_TAG) \
	  --wait --timeout 10m
	KUBECONFIG=$(KIND_KUBECONFIG) $(HELM) test $(RELEASE) --namespace $(NAMESPACE) --logs

local-deploy: images chart-helm ## (after `make cluster-up`) import the images into the local cluster, install the chart with k8s/values/local.yaml, run helm test
	$(CURDIR)/k8s/local-cluster/load-images $(CHART_IMAGES)
	KUBECONFIG=$(LOCAL_KUBECONFIG) $(HELM) upgrade --install $(RELEASE) $(CHART_DIR) --namespace $(NAMESPACE) --create-namespace \
	  --values k8s/values/local.yaml --set-string api.image.tag=$(IMAGE_TAG),web.image.tag=$(IMAGE_TAG),backup.image.tag=$(IMAGE_TAG) \
	  --wait --timeout 10m
	KUBECONFIG=$(LOCAL_KUBECONFIG) $(HELM) test $(RELEASE) --namespace $(NAMESPACE) --logs

# scripts/deploy: back up, upgrade with rollback on failure, helm test, smoke check (its header says everything)
DEPLOY_ARGS ?=
.PHONY: deploy
deploy: chart-helm ## deploy RELEASE to NAMESPACE (KUBECONFIG's cluster) with scripts/deploy: backup, helm upgrade --install --rollback-on-failure, helm test, smoke check through the public route (SMOKE_URL); any failure rolls back and exits non-zero. DEPLOY_ARGS="--values FILE ..."
	@command -v curl >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null)
	HELM=$(HELM) RELEASE=$(RELEASE) NAMESPACE=$(NAMESPACE) $(CURDIR)/scripts/deploy $(DEPLOY_ARGS)

HELM_DOCS_VERSION := v1.14.2

.PHONY: chart-docs
chart-docs: ## regenerate charts/triboka/README.md (values table from the `# --` comments in values.yaml; helm-docs via go run)
	cd $(CHART_DIR) && go run github.com/norwoodj/helm-docs/cmd/helm-docs@$(HELM_DOCS_VERSION) \
	  --chart-search-root . --template-files README.md.gotmpl --output-file README.md

# A versioned, signed chart archive: dist/chart/triboka-<version>.tgz and its provenance file (.prov), checked
# with `helm verify`. helm signs with a GnuPG *legacy* secret keyring (gpg --export-secret-keys > secring.gpg).
CHART_DIST ?= dist/chart
CHART_SIGN_KEY ?=
CHART_KEYRING ?= $(HOME)/.gnupg/secring.gpg
CHART_VERIFY_KEYRING ?= $(HOME)/.gnupg/pubring.gpg

.PHONY: chart-package chart-gpg
chart-gpg: ## install gpg (Debian gnupg) when missing: it makes the keys that sign the chart
	@command -v gpg >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnupg >/dev/null)

chart-package: chart-helm ## helm package --sign the chart into $(CHART_DIST) with CHART_SIGN_KEY from CHART_KEYRING, then helm verify it
	@test -n "$(CHART_SIGN_KEY)" || { echo "chart-package: set CHART_SIGN_KEY (and CHART_KEYRING, CHART_VERIFY_KEYRING)" >&2; exit 2; }
	@mkdir -p $(CHART_DIST)
	$(HELM) package --sign --key "$(CHART_SIGN_KEY)" --keyring "$(CHART_KEYRING)" --destination $(CHART_DIST) $(CHART_DIR)
	$(HELM) verify --keyring "$(CHART_VERIFY_KEYRING)" $(CHART_DIST)/triboka-$$(awk '$$1 == "version:" {print $$2}' $(CHART_DIR)/Chart.yaml).tgz
