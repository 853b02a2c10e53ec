"""The OpenAPI 3.1 document, built from the routes table and the same pydantic models that validate,
and a self-contained docs page (no CDN) rendered from that document.
"""
from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from typing import Any

from flask import Response, current_app
from pydantic.json_schema import models_json_schema

from miniprogram_api.errors import DEFAULTS, ERROR_CODES, envelope_schema

API_PREFIX = "/api/v1"
TITLE = "浙工之家小程序接口"
INTRO = (
    "浙江省总工会“浙工之家”小程序的 JSON 接口。登录：把 wx.login 的 code 发到 POST /api/v1/auth/login，"
    "拿到 access_token 后在每个请求的 Authorization 头里带上 `Bearer <access_token>`；过期（401 token_expired）"
    "就用 refresh_token 调 POST /api/v1/auth/refresh 换一组新的（旧的刷新令牌随即作废）。"
    "所有错误都是同一个格式：{\"error\": {\"code\": \"...\", \"message\": \"给会员看的中文提示\", \"fields\": {字段: 提示}}}。"
    "列表用 offset 和 limit 分页（limit 最多 50），返回 total。每位会员每分钟的请求数有上限，超过返回 429。"
    "会员只能看到和修改自己的记录，别人的记录一律返回 404。"
)

_NULL = {"type": "null"}


def _strip_null(schema: dict) -> dict:
    """A query or path parameter is absent rather than null."""
    options = schema.get("anyOf")
    if options and _NULL in options:
        rest = [o for o in options if o != _NULL]
        merged = {k: v for k, v in schema.items() if k != "anyOf"}
        if len(rest) == 1:
            merged.update(rest[0])
        else:
            merged["anyOf"] = rest
        merged.pop("default", None)
        return merged
    return schema


def _openapi_path(path: str, params: list[tuple[str, str]]) -> str:
    for name, converter in params:
        path = path.replace(f"<{converter}:{name}>", "{" + name + "}").replace(f"<{name}>", "{" + name + "}")
    return API_PREFIX + path


def _path_schema(converter: str) -> dict:
    if converter == "int":
        return {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    return {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9_\\-]+$"}


def _error_response(status: int) -> dict:
    return {"description": DEFAULTS.get(status, DEFAULTS[500])[1],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def build_document(routes) -> dict[str, Any]:
    """Return the OpenAPI 3.1 document of the routes table."""
    wanted: list[tuple[type, str]] = []
    for route in routes:
        for model, mode in ((route.body, "validation"), (route.query, "validation"), (route.response, "serialization")):
            if model is not None and (model, mode) not in wanted:
                wanted.append((model, mode))
    refs, definitions = models_json_schema(wanted, ref_template="#/components/schemas/{model}")
    components = dict(definitions.get("$defs", {}))
    components["Error"] = envelope_schema()

    paths: dict[str, dict] = {}
    for route in routes:
        params = route.path_params()
        operation: dict[str, Any] = {
            "operationId": route.endpoint,
            "summary": route.summary,
            "tags": [route.tag],
            "security": [{"bearerAuth": []}] if route.auth else [],
            "parameters": [],
            "responses": {},
        }
        if route.description:
            operation["description"] = route.description
        for name, converter in params:
            operation["parameters"].append({"name": name, "in": "path", "required": True,
                                            "schema": _path_schema(converter)})
        if route.query is not None:
            schema = route.query.model_json_schema(ref_template="#/components/schemas/{model}")
            required = set(schema.get("required", []))
            for name, prop in schema.get("properties", {}).items():
                description = prop.get("description")
                prop = _strip_null({k: v for k, v in prop.items() if k not in ("title", "description")})
                parameter = {"name": name, "in": "query", "required": name in required, "schema": prop}
                if description:
                    parameter["description"] = description
                operation["parameters"].append(parameter)
        if route.body is not None:
            operation["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": refs[(route.body, "validation")]}}}
        if route.upload:
            operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary", "description": "图片文件"}}}}}}
        if route.raw_media:
            media = route.raw_media
            schema = {"type": "object"} if media == "application/json" else (
                {"type": "string"} if media.startswith("text/") else {"type": "string", "format": "binary"})
            operation["responses"][str(route.status)] = {"description": route.summary,
                                                         "content": {media: {"schema": schema}}}
        elif route.response is None:
            operation["responses"]["204"] = {"description": "完成，没有返回内容"}
        else:
            operation["responses"][str(route.status)] = {"description": route.summary, "content": {
                "application/json": {"schema": refs[(route.response, "serialization")]}}}
        for status in route.error_statuses():
            operation["responses"][str(status)] = _error_response(status)
        if not operation["parameters"]:
            del operation["parameters"]
        paths.setdefault(_openapi_path(route.path, params), {})[route.method.lower()] = operation

    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": "1.0.0", "description": INTRO},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "POST /api/v1/auth/login 返回的 access_token"}},
        },
    }


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    """The document of this API (built once)."""
    from miniprogram_api.routes import ROUTES

    return build_document(ROUTES)


def document_view() -> Response:
    """Serve the OpenAPI document."""
    return current_app.response_class(json.dumps(document(), ensure_ascii=False, indent=1),
                                      mimetype="application/json")


def _type_of(schema: dict | bool, components: dict) -> str:
    if not isinstance(schema, dict):
        return "any"
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_type_of(s, components) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(json.dumps(v, ensure_ascii=False) for v in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"], ensure_ascii=False)
    kind = schema.get("type", "any")
    if kind == "array":
        return f"{_type_of(schema.get('items', {}), components)}[]"
    if kind == "object" and "additionalProperties" in schema:
        return f"{{string: {_type_of(schema['additionalProperties'], components)}}}"
    if schema.get("format"):
        return f"{kind} ({schema['format']})"
    return str(kind)


def _linked(text: str, components: dict) -> str:
    """Escape text and link every schema name in it to its table further down."""
    escaped = html.escape(text)
    return re.sub(r"\b[A-Z][A-Za-z]+(?:-(?:Input|Output))?\b",
                  lambda m: f"<a href='#schema-{m.group(0)}'>{m.group(0)}</a>" if m.group(0) in components
                  else m.group(0), escaped)


def _fields_table(name: str, components: dict) -> str:
    schema = components.get(name, {})
    props = schema.get("properties", {})
    if not props:
        return ""
    required = set(schema.get("required", []))
    rows = "".join(
        f"<tr><td><code>{html.escape(field)}</code>{' *' if field in required else ''}</td>"
        f"<td>{_linked(_type_of(prop, components), components)}</td>"
        f"<td>{html.escape(prop.get('description') or prop.get('title') or '')}</td></tr>"
        for field, prop in props.items())
    doc = html.escape(schema.get("description") or "")
    return (f"<h4 id='schema-{html.escape(name)}'>{html.escape(name)}</h4><p>{doc}</p>"
            f"<table><tr><th>字段</th><th>类型</th><th>说明</th></tr>{rows}</table>")


@lru_cache(maxsize=1)
def docs_page() -> str:
    """The readable docs page: every endpoint and every schema, from the document."""
    doc = document()
    components = doc["components"]["schemas"]
    sections: dict[str, list[str]] = {}
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            parts = [f"<div class='op'><h3><span class='m {method}'>{method.upper()}</span> <code>{html.escape(path)}</code></h3>",
                     f"<p>{html.escape(op['summary'])}{'' if op['security'] else '（无需登录）'}</p>"]
            if op.get("description"):
                parts.append(f"<p class='d'>{html.escape(op['description'])}</p>")
            params = op.get("parameters", [])
            if params:
                rows = "".join(f"<tr><td><code>{html.escape(p['name'])}</code>{' *' if p['required'] else ''}</td>"
                               f"<td>{p['in']}</td><td>{html.escape(_type_of(p['schema'], components))}</td>"
                               f"<td>{html.escape(p.get('description', ''))}</td></tr>" for p in params)
                parts.append(f"<table><tr><th>参数</th><th>位置</th><th>类型</th><th>说明</th></tr>{rows}</table>")
            body = op.get("requestBody", {}).get("content", {})
            for media, content in body.items():
                parts.append(f"<p>请求体（{media}）：{_linked(_type_of(content['schema'], components), components)}</p>")
            answers = ", ".join(f"{status}" + (f" {_type_of(r['content'][next(iter(r['content']))]['schema'], components)}"
                                               if r.get("content") and not status.startswith(("4", "5")) else "")
                                for status, r in op["responses"].items())
            parts.append(f"<p>返回：{_linked(answers, components)}</p></div>")
            sections.setdefault(op["tags"][0], []).append("".join(parts))
    body = "".join(f"<h2>{html.escape(tag)}</h2>{''.join(ops)}" for tag, ops in sections.items())
    schemas = "".join(_fields_table(name, components) for name in sorted(components))
    codes = "".join(f"<tr><td>{status}</td><td><code>{code}</code></td><td>{html.escape(meaning)}</td></tr>"
                    for code, (status, meaning) in sorted(ERROR_CODES.items(), key=lambda item: (item[1][0], item[0])))
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{TITLE}</title>
<style>
body{{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}}
code{{background:#f4f4f4;padding:0 .25em;border-radius:3px}} table{{border-collapse:collapse;margin:.5em 0;width:100%}}
td,th{{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}} .op{{border-top:1px solid #eee;padding:.5em 0}}
.m{{display:inline-block;min-width:4em;text-align:center;color:#fff;border-radius:3px;font-size:.8em;padding:.1em .3em}}
.get{{background:#2b7bb9}} .post{{background:#3a9a4a}} .delete{{background:#c0392b}} .put,.patch{{background:#b9822b}} .d{{color:#555}}
</style></head><body>
<h1>{TITLE}</h1><p>{html.escape(INTRO)}</p>
<p>机器可读的 OpenAPI 3 文档：<a href="{API_PREFIX}/openapi.json">{API_PREFIX}/openapi.json</a></p>
{body}
<h2>错误码</h2><table><tr><th>状态</th><th>code</th><th>含义</th></tr>{codes}</table>
<h2>数据结构</h2>{schemas}
</body></html>"""


def docs_view() -> Response:
    """Serve the docs page."""
    return current_app.response_class(docs_page(), mimetype="text/html")
