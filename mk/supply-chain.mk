# The lock and what depends on it: uv.lock, each service's hashed export (what its image installs), the
# vulnerability audit of everything locked, and the images' CycloneDX SBOMs (scripts/supplychain/).
export UV

.PHONY: lock lock-check audit sbom

lock: uv ## after changing a dependency in any pyproject.toml: re-lock uv.lock and re-export services/*/requirements.lock
	scripts/lock

lock-check: uv ## fail when uv.lock or a services/*/requirements.lock is out of date (part of lint and audit)
	scripts/lock --check

audit: venv lock-check ## known vulnerabilities in everything uv.lock installs (pip-audit; accepted ones: audit-ignore.toml), and the audit's own tests
	$(BIN)/python -m scripts.supplychain.audit $(if $(AUDIT_STRICT),--strict)
	$(BIN)/pytest tests/supply_chain -q

sbom: images ## the images' CycloneDX SBOMs (written by `make images`): var/sbom/<image>.cdx.json, also in each image (label org.triboka.sbom)
	@for f in var/sbom/triboka-api.cdx.json var/sbom/triboka-web.cdx.json var/sbom/triboka-backup.cdx.json; do \
	  $(BIN)/python -c 'import json, sys; d = json.load(open(sys.argv[1])); print(sys.argv[1], len(d["components"]), "components")' "$$f"; \
	done
