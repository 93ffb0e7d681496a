"""Check API responses seen in tests against ``/api/v1/openapi.json``.

``api_check(response)`` validates one Flask test-client response (status, content type
and body) against the operation the document declares for its request.
"""

from __future__ import annotations

from functools import lru_cache

from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse


@lru_cache(maxsize=1)
def _openapi(spec_key: str) -> OpenAPI:
    import json

    from openapi_core import Config

    config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
    return OpenAPI.from_dict(json.loads(spec_key), config=config)


def spec_document() -> dict:
    from app.api.openapi import document

    return document("http://localhost/")


def check_response(response) -> None:
    """Raise if ``response`` does not match the documented operation."""
    import json

    openapi = _openapi(json.dumps(spec_document(), sort_keys=True))
    # The view has consumed the request body; describe the request again without it
    # (only the response is checked here; request bodies are checked by the views).
    from werkzeug.test import EnvironBuilder

    original = response.request
    rebuilt = EnvironBuilder(method=original.method, path=original.path,
                             query_string=original.query_string.decode()).get_request()
    request = WerkzeugOpenAPIRequest(rebuilt)
    openapi.validate_response(request, WerkzeugOpenAPIResponse(response))
