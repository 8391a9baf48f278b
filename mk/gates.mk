# Static gates beyond ruff, all part of `make lint`: mypy --strict over the three services (config: [tool.mypy] in
# the root pyproject.toml), shellcheck over the shell scripts, go vet over the local cluster's Go programs.
MYPY_PATHS := services/api/triboka_api services/web/triboka_web services/backup-job/triboka_backup

.PHONY: typecheck
typecheck: venv ## mypy --strict over the three services (pydantic plugin; config in pyproject.toml)
	$(BIN)/mypy $(MYPY_PATHS)

# Every shell script of scripts/ and the local cluster's harness (by shebang; lib.sh is sourced, not run); the
# Go module trees under build/ are not ours.
SHELL_SCRIPTS = $(sort k8s/local-cluster/lib.sh k8s/kind/kindlib.sh $(shell grep -rlE --exclude-dir=build -m1 '^\#!/(usr/)?bin/(env )?(ba)?sh' scripts k8s/local-cluster k8s/kind))

.PHONY: shellcheck
shellcheck: ## shellcheck (Debian's, installed when missing) over scripts/, k8s/local-cluster/ and k8s/kind/, following sourced files
	@command -v shellcheck >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null)
	shellcheck --external-sources $(SHELL_SCRIPTS)

# The local cluster's own Go programs (an ingress controller and a volume provisioner), in the module that builds
# Kubernetes: vetted and unit-tested with the module cache the cluster build uses (k8s/local-cluster/lib.sh).
GO_CMD_MODULE := k8s/local-cluster/build/kubernetes
GO_ENV := GOTOOLCHAIN=local GOFLAGS=-buildvcs=false PATH=/usr/local/go/bin:$$PATH \
  GOMODCACHE=$${TRIBOKA_CACHE:-/var/cache/triboka}/go/mod GOCACHE=$${TRIBOKA_CACHE:-/var/cache/triboka}/go/cache

.PHONY: go-vet test-tools
go-vet: ## go vet over the local cluster's Go programs (k8s/local-cluster/build/kubernetes/cmd)
	cd $(GO_CMD_MODULE) && $(GO_ENV) go vet ./cmd/...

test-tools: ## unit tests of the local cluster's Go programs (ingress routing and certificates, volume provisioning)
	cd $(GO_CMD_MODULE) && $(GO_ENV) go test ./cmd/...
