# Container images: triboka-api, triboka-web, triboka-backup (services/*/Dockerfile), triboka-postgres
# (k8s/images/postgres, the in-chart database for clusters without a registry) and triboka-redis (k8s/images/redis,
# the in-chart rate-limit store). scripts/build-images picks
# docker, else buildah, else podman; without a Docker engine it builds on the local base image
# localhost/triboka-base:bookworm (k8s/local-cluster/base-image).
IMAGE_TAG ?= $(shell awk '$$1 == "appVersion:" {gsub(/"/, "", $$2); print $$2}' charts/triboka/Chart.yaml)
export IMAGE_TAG
# the references `make images` tags (scripts/build-images says them: one list for every recipe that loads them)
CHART_IMAGES = $(shell IMAGE_TAG=$(IMAGE_TAG) $(CURDIR)/scripts/build-images --refs)

.PHONY: images test-images

images: venv web-assets ## build the container images (each service image with its SBOM, var/sbom/); IMAGE_TAG (default the chart's appVersion), BASE_IMAGE, BUILDER
	$(CURDIR)/scripts/build-images

test-images: venv images ## start each image under podman (read-only, uid 10001) and check its health endpoint
	$(BIN)/pytest tests/images -q -m 'not cluster'
