"""The API's browsable reference: one server-rendered page built from the OpenAPI document."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from folja.api.api import api

METHODS = ("get", "post", "put", "patch", "delete")


@require_safe
def reference(request: HttpRequest) -> HttpResponse:
    """List every operation of the document with its parameters, body and answers (no script)."""
    document = api.get_openapi_schema()
    schemas = document.get("components", {}).get("schemas", {})
    operations = []
    for route, item in document["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            body = op.get("requestBody", {}).get("content", {})
            operations.append(
                {
                    "id": op.get("operationId", ""),
                    "method": method.upper(),
                    "path": route,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "tag": (op.get("tags") or [""])[0],
                    "parameters": [
                        {"name": p["name"], "where": p["in"], "required": p.get("required", False)}
                        for p in op.get("parameters", [])
                    ],
                    "body": [
                        {"type": media, "schema": _ref_name(content.get("schema", {}))}
                        for media, content in body.items()
                    ],
                    "responses": [
                        {"status": status, "description": answer.get("description", "")}
                        for status, answer in op.get("responses", {}).items()
                    ],
                }
            )
    context = {
        "title": document["info"]["title"],
        "version": document["info"]["version"],
        "description": document["info"].get("description", ""),
        "operations": operations,
        "schemas": [{"name": name, "fields": _fields(schema)} for name, schema in sorted(schemas.items())],
        "document_url": reverse("api:openapi-json"),
    }
    return render(request, "api/reference.html", context)


def _ref_name(schema: dict) -> str:
    ref = schema.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else schema.get("type", "")


def _fields(schema: dict) -> list[dict]:
    required = set(schema.get("required", ()))
    return [
        {"name": name, "type": _type_of(prop), "required": name in required, "description": prop.get("description", "")}
        for name, prop in schema.get("properties", {}).items()
    ]


def _type_of(prop: dict) -> str:
    if "$ref" in prop:
        return _ref_name(prop)
    if "anyOf" in prop:
        return " | ".join(_type_of(p) for p in prop["anyOf"])
    if prop.get("type") == "array":
        return f"list[{_type_of(prop.get('items', {}))}]"
    return str(prop.get("format") or prop.get("type") or "object")
