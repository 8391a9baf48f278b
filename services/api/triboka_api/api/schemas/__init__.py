"""The response shapes of the contract as pydantic models: the OpenAPI document's schemas (`api/openapi.py`
declares them in `responses=`; handlers keep returning what the serializers shape)."""
