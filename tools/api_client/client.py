"""A client of Följa's JSON API written from its OpenAPI document alone.

It knows nothing of Följa's code: it reads `/api/v1/openapi.json`, finds each operation by its
method and path template, fills in the path, sends JSON (or multipart for a file), checks that
the answer's status is one the document lists, and that a JSON answer has the properties the
document marks required. It signs in with a session (cookie and CSRF token) or with a bearer
token from the OAuth flow (`oauth.py`). Only httpx.
"""

from __future__ import annotations

import re
from typing import Any

import httpx


class Undocumented(AssertionError):
    """An answer the document does not describe."""


class ApiClient:
    def __init__(self, base_url: str, *, session: str = "", csrf: str = "", token: str = "") -> None:
        """A session (the `sessionid` and `csrftoken` cookies) or an access token, or neither yet
        (read the document, get a token through the OAuth flow, then `use_token`)."""
        cookies = {"sessionid": session, "csrftoken": csrf} if session else {}
        self.http = httpx.Client(base_url=base_url, cookies=cookies, headers={"X-CSRFToken": csrf} if csrf else {})
        self.document = self.http.get("/api/v1/openapi.json").raise_for_status().json()
        assert self.document["openapi"].startswith("3.1")
        if token:
            self.use_token(token)

    def use_token(self, token: str) -> None:
        """Send `Authorization: Bearer <token>` from now on (an app: no cookie, no CSRF token)."""
        self.http.headers["Authorization"] = f"Bearer {token}"

    def operation(self, method: str, path: str) -> dict[str, Any]:
        """Return the document's operation for METHOD and path template, e.g. ("get", "/api/v1/children")."""
        try:
            return self.document["paths"][path][method.lower()]
        except KeyError:
            raise Undocumented(f"{method} {path} is not in the document") from None

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict | None = None,
        files: dict | None = None,
        expect: int | None = None,
        **path_params: str,
    ) -> httpx.Response:
        """Call the operation and check its answer against the document."""
        operation = self.operation(method, path)
        wanted = set(re.findall(r"{(\w+)}", path))
        assert wanted == set(path_params), f"{path} needs {sorted(wanted)}"
        url = path.format(**path_params)
        response = self.http.request(method.upper(), url, json=json, params=params, files=files)
        self._check(operation, response)
        if expect is not None and response.status_code != expect:
            raise AssertionError(f"{method} {url}: {response.status_code} {response.text[:300]}")
        return response

    def _check(self, operation: dict[str, Any], response: httpx.Response) -> None:
        responses = operation["responses"]
        answer = responses.get(str(response.status_code)) or responses.get("default")
        if answer is None:
            raise Undocumented(f"status {response.status_code} is not documented")
        media = response.headers.get("content-type", "").split(";")[0]
        content = answer.get("content") or {}
        if content and media not in content and "application/octet-stream" not in content:
            raise Undocumented(f"content type {media} is not documented ({sorted(content)})")
        schema = (content.get(media) or {}).get("schema")
        if schema and "json" in media:
            self._required(schema, response.json())

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = self.document["components"]["schemas"][name]
        return schema

    def _required(self, schema: dict[str, Any], value: Any) -> None:
        schema = self._resolve(schema)
        if schema.get("type") == "array" and isinstance(value, list):
            for item in value:
                self._required(schema.get("items", {}), item)
        elif isinstance(value, dict):
            missing = [key for key in schema.get("required", ()) if key not in value]
            if missing:
                raise Undocumented(f"answer lacks required {missing}")
