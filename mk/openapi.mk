# The API's OpenAPI document, committed as docs/openapi.json (tests/api/test_openapi.py fails when it is stale).
.PHONY: openapi
openapi: venv ## regenerate docs/openapi.json from the API's routes (after adding or changing an endpoint)
	$(BIN)/triboka-api openapi --output docs/openapi.json
