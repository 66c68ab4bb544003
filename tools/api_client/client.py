"""A client of Följa's JSON API written from its OpenAPI document alone.

It knows nothing of Följa's code: it reads `/api/v1/openapi.json`, finds each operation by its
method and path template, fills in the path, sends JSON (or multipart for a file), checks that
the answer's status is one the document lists, and that a JSON answer has the properties the
document marks required. It signs in with a session (cookie and CSRF token) or with a bearer
token from the OAuth flow (`oauth.py`). Only httpx.
"""

from __future__ import annotations

import base64
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
        headers: dict | None = None,
        content: bytes | None = None,
        expect: int | None = None,
        **path_params: str,
    ) -> httpx.Response:
        """Call the operation and check its answer against the document."""
        operation = self.operation(method, path)
        wanted = set(re.findall(r"{(\w+)}", path))
        assert wanted == set(path_params), f"{path} needs {sorted(wanted)}"
        url = path.format(**path_params)
        response = self.http.request(
            method.upper(), url, json=json, params=params, files=files, headers=headers, content=content
        )
        self._check(operation, response)
        if expect is not None and response.status_code != expect:
            raise AssertionError(f"{method} {url}: {response.status_code} {response.text[:300]}")
        return response

    def upload_in_parts(self, data: bytes, name: str, *, part_size: int = 5 * 1024 * 1024) -> str:
        """Send a file in parts with the document's tus routes and return the upload to attach.

        Create the session (Upload-Length, the name in Upload-Metadata), PATCH each part from the
        offset the last answer gave; after a 409 (the part had already come, its answer was lost)
        ask with HEAD where the session is and go on from there. The last answer names the upload
        (`Folja-Upload`)."""
        tus = {"Tus-Resumable": "1.0.0"}
        named = "filename " + base64.b64encode(name.encode()).decode("ascii")
        created = self.call(
            "post",
            "/api/v1/uploads/resumable",
            headers={**tus, "Upload-Length": str(len(data)), "Upload-Metadata": named},
            expect=201,
        )
        session = created.json()["uuid"]
        path = "/api/v1/uploads/resumable/{session_uuid}"
        offset = 0
        while True:
            answer = self.call(
                "patch",
                path,
                headers={**tus, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"},
                content=data[offset : offset + part_size],
                session_uuid=session,
            )
            if answer.status_code == 409:
                where = self.call("head", path, headers=tus, expect=200, session_uuid=session)
                offset = int(where.headers["upload-offset"])
                continue
            if answer.status_code != 204:
                raise AssertionError(f"a part was refused: {answer.status_code} {answer.text[:300]}")
            offset = int(answer.headers["upload-offset"])
            if offset == len(data):
                return answer.headers["folja-upload"]

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
