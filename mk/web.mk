# The web dashboard (services/web): vendored front-end assets, gettext catalogs, tests, a local run.
WEB_DIR := services/web
WEB_PKG := $(WEB_DIR)/triboka_web
WEB_VENDOR := $(WEB_PKG)/static/vendor
WEB_I18N := $(WEB_PKG)/translations
WEB_HOST ?= 127.0.0.1
WEB_PORT ?= 5004
# npm packages and the dist files taken from each tarball (package@version:file[,file...] -> vendor/<dir>/).
WEB_NPM_BOOTSTRAP := bootstrap@5.3.8
WEB_NPM_ICONS := bootstrap-icons@1.13.2
WEB_NPM_CHARTJS := chart.js@4.6.1
WEB_ASSET_STAMP := $(WEB_VENDOR)/.versions-$(subst @,-,$(WEB_NPM_BOOTSTRAP)_$(WEB_NPM_ICONS)_$(WEB_NPM_CHARTJS))
WEB_PO := $(wildcard $(WEB_I18N)/*/LC_MESSAGES/messages.po)
WEB_MO := $(WEB_PO:.po=.mo)

.PHONY: web-assets web-i18n-extract test-web run-web web-chromium

web-assets: $(WEB_ASSET_STAMP) $(WEB_MO) ## fetch Bootstrap, icons and Chart.js from npm tarballs; compile the gettext catalogs

$(WEB_ASSET_STAMP):
	@rm -rf $(WEB_VENDOR) && mkdir -p $(WEB_VENDOR)/bootstrap $(WEB_VENDOR)/bootstrap-icons/fonts $(WEB_VENDOR)/chart.js
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  for pkg in $(WEB_NPM_BOOTSTRAP) $(WEB_NPM_ICONS) $(WEB_NPM_CHARTJS); do \
	    npm pack --silent --pack-destination "$$tmp" "$$pkg" >/dev/null; \
	  done && \
	  for tgz in "$$tmp"/*.tgz; do mkdir -p "$${tgz%.tgz}" && tar -xzf "$$tgz" -C "$${tgz%.tgz}"; done && \
	  cp "$$tmp"/bootstrap-5*/package/dist/css/bootstrap.min.css "$$tmp"/bootstrap-5*/package/dist/js/bootstrap.bundle.min.js $(WEB_VENDOR)/bootstrap/ && \
	  cp "$$tmp"/bootstrap-icons-*/package/font/bootstrap-icons.min.css $(WEB_VENDOR)/bootstrap-icons/ && \
	  cp "$$tmp"/bootstrap-icons-*/package/font/fonts/bootstrap-icons.woff2 "$$tmp"/bootstrap-icons-*/package/font/fonts/bootstrap-icons.woff $(WEB_VENDOR)/bootstrap-icons/fonts/ && \
	  cp "$$tmp"/chart.js-*/package/dist/chart.umd.min.js $(WEB_VENDOR)/chart.js/
	@touch $@
	@echo "web-assets: vendored $(WEB_NPM_BOOTSTRAP) $(WEB_NPM_ICONS) $(WEB_NPM_CHARTJS) into $(WEB_VENDOR)"

$(WEB_I18N)/%/LC_MESSAGES/messages.mo: $(WEB_I18N)/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	@$(BIN)/pybabel compile --use-fuzzy -D messages -d $(WEB_I18N) -l $* --statistics

web-i18n-extract: $(VENV)/.installed ## re-extract translatable strings into messages.pot and merge them into the es/en catalogs
	cd $(WEB_DIR) && $(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --project=triboka-web \
	  -o triboka_web/translations/messages.pot .
	$(BIN)/pybabel update -D messages -i $(WEB_I18N)/messages.pot -d $(WEB_I18N) --no-fuzzy-matching --ignore-obsolete

web-chromium: ## install Debian's Chromium for the browser tests when /usr/bin/chromium is missing (never `playwright install`)
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

test-web: venv web-assets web-chromium ## web dashboard tests: page rendering, i18n and headless-Chromium flows against the real API
	$(BIN)/pytest tests/web -q

run-web: venv web-assets ## run the dashboard on $(WEB_HOST):$(WEB_PORT) against TRIBOKA_WEB_API_URL (default 127.0.0.1:5003)
	$(BIN)/triboka-web serve --host $(WEB_HOST) --port $(WEB_PORT)
