"""The one error envelope of the API: {"error": {"code", "message", "fields"}} with the right status.

Every failure under /api/v1 leaves through error_response(): our own ApiError, a request
that fails its schema, Flask's own 404/405/413 and any unexpected exception (a 500 that
rolls nothing half-done back into the member's face: the services commit or roll back
themselves, and the log keeps the detail).
"""
from __future__ import annotations

import logging
from typing import Any

from flask import jsonify, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"

# status -> (default code, default Chinese message)
DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求格式不正确，请检查后重试。"),
    401: ("unauthorized", "请先登录。"),
    403: ("forbidden", "您没有权限进行这项操作。"),
    404: ("not_found", "没有找到您要的内容。"),
    405: ("method_not_allowed", "不支持这种请求方式。"),
    409: ("conflict", "这项操作与现有记录冲突。"),
    413: ("payload_too_large", "上传的内容太大了。"),
    415: ("unsupported_media_type", "不支持这种文件类型。"),
    422: ("validation_failed", "填写的内容有误，请按提示修改。"),
    429: ("rate_limited", "操作太频繁了，请稍后再试。"),
    500: ("internal_error", "系统开小差了，请稍后再试。"),
    503: ("service_unavailable", "服务暂时不可用，请稍后再试。"),
}


# Every specific code the API answers with, for the docs page (the statuses' defaults above too).
ERROR_CODES: dict[str, tuple[int, str]] = {
    "token_missing": (401, "没有带 Authorization: Bearer 令牌"),
    "token_invalid": (401, "令牌被篡改或不是我们签发的：请重新登录"),
    "token_expired": (401, "访问令牌过期（或账号合并后失效）：用刷新令牌换一组新的"),
    "token_revoked": (401, "已退出登录或刷新令牌被重复使用：请重新登录"),
    "login_code_invalid": (401, "wx.login 的 code 无效、过期或已用过：重新调用 wx.login"),
    "refresh_invalid": (401, "刷新令牌无效、过期或已用过：请重新登录"),
    "phone_code_invalid": (400, "手机号授权 code 无效或已用过"),
    "invalid_json": (400, "请求体不是有效的 JSON"),
    "validation_failed": (422, "字段有误，fields 里是每个字段的中文提示"),
    "consent_required": (422, "没有同意个人信息收集说明"),
    "members_only": (403, "仅限工会会员参加的活动"),
    "not_found": (404, "不存在，或不是您的记录"),
    "upload_not_found": (404, "附件不存在、不是您的或已经用过"),
    "duplicate_application": (409, "已有在审的入会申请或已是会员"),
    "application_state": (409, "入会申请当前状态不允许这个操作"),
    "already_signed_up": (409, "已经报名或候补过这个活动"),
    "activity_full": (409, "名额已满（可加入候补时 message 会说明）"),
    "not_enough_places": (409, "还有名额，但不够这一行人（places_left 个）：可以少报几人，或一起加入候补"),
    "too_many_companions": (422, "同行人数超过活动允许的人数（allowed，0 表示不能带人）"),
    "activity_closed": (409, "报名已截止"),
    "activity_ended": (409, "活动已开始或结束"),
    "activity_cancelled": (409, "活动已取消"),
    "payload_too_large": (413, "上传的图片太大"),
    "unsupported_media_type": (415, "不是 JPG、PNG、GIF、WEBP 图片，或没有用 multipart/form-data"),
    "rate_limited": (429, "请求太频繁，Retry-After 头给出等待秒数"),
    "internal_error": (500, "服务器出错"),
    "wechat_unavailable": (503, "微信接口暂时不可用，稍后重试"),
}


class ApiError(Exception):
    """An error a member sees: HTTP status, a stable code, a Chinese message and per-field hints."""

    def __init__(self, status: int, code: str | None = None, message: str | None = None,
                 fields: dict[str, str] | None = None, headers: dict[str, str] | None = None):
        default_code, default_message = DEFAULTS.get(status, DEFAULTS[500])
        super().__init__(code or default_code)
        self.status = status
        self.code = code or default_code
        self.message = message or default_message
        self.fields = fields or {}
        self.headers = headers or {}


def not_found(message: str = "没有找到您要的内容。") -> ApiError:
    """Return the 404 a member gets for a record that is missing or not theirs."""
    return ApiError(404, "not_found", message)


def error_response(status: int, code: str, message: str, fields: dict[str, str] | None = None,
                   headers: dict[str, str] | None = None):
    """Return the JSON error envelope with its status."""
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


# pydantic error type -> Chinese hint; {placeholders} come from the error's ctx.
FIELD_HINTS: dict[str, str] = {
    "missing": "这一项必须填写。",
    "string_too_short": "至少要填 {min_length} 个字。",
    "string_too_long": "最多只能填 {max_length} 个字。",
    "string_type": "请填写文字。",
    "string_pattern_mismatch": "格式不正确。",
    "int_type": "请填写整数。",
    "int_parsing": "请填写整数。",
    "bool_type": "请填写是或否。",
    "bool_parsing": "请填写是或否。",
    "greater_than_equal": "不能小于 {ge}。",
    "less_than_equal": "不能大于 {le}。",
    "greater_than": "必须大于 {gt}。",
    "less_than": "必须小于 {lt}。",
    "date_type": "请填写日期，例如 2026-01-31。",
    "date_parsing": "请填写日期，例如 2026-01-31。",
    "date_from_datetime_parsing": "请填写日期，例如 2026-01-31。",
    "literal_error": "请从给出的选项中选择。",
    "enum": "请从给出的选项中选择。",
    "extra_forbidden": "不认识这一项，请去掉。",
    "list_type": "请填写一个列表。",
    "too_long": "最多只能有 {max_length} 项。",
    "too_short": "至少要有 {min_length} 项。",
    "model_type": "格式不正确。",
    "dict_type": "格式不正确。",
}


def field_hints(exc: ValidationError) -> dict[str, str]:
    """Turn a pydantic ValidationError into {field: Chinese hint}."""
    fields: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        location = ".".join(str(part) for part in error.get("loc", ())) or "body"
        template = FIELD_HINTS.get(error.get("type", ""), "填写的内容不正确。")
        try:
            hint = template.format(**(error.get("ctx") or {}))
        except (KeyError, IndexError, ValueError):
            hint = "填写的内容不正确。"
        fields.setdefault(location, hint)
    return fields


def _under_api() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def _http_error(exc: HTTPException):
    status = exc.code or 500
    code, message = DEFAULTS.get(status, (f"http_{status}", DEFAULTS[500][1]))
    if status == 413:
        message = "上传的内容太大了，请压缩后再试。"
    headers = {}
    if status == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    return error_response(status, code, message, headers=headers)


def init_app(app, blueprint) -> None:
    """Make every error under /api/v1 use the envelope (including Flask's own 404/405/413)."""

    @blueprint.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.status, exc.code, exc.message, exc.fields, exc.headers)

    @blueprint.errorhandler(ValidationError)
    def _validation_error(exc: ValidationError):
        return error_response(422, "validation_failed", DEFAULTS[422][1], field_hints(exc))

    blueprint.register_error_handler(HTTPException, _http_error)

    @blueprint.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("api %s %s failed", request.method, request.path)
        return error_response(500, *DEFAULTS[500])

    # An unknown URL or a wrong method fails before any blueprint is chosen, so these two are
    # app-wide: JSON under /api/v1, and whatever was there before (or Flask's page) elsewhere.
    for status in (404, 405):
        previous = app.error_handler_spec.get(None, {}).get(status, {})
        app.register_error_handler(status, _routing_error(dict(previous)))


def _routing_error(previous: dict):
    def handler(exc: HTTPException):
        """JSON under /api/v1, the earlier handler or Flask's page elsewhere."""
        if _under_api():
            return _http_error(exc)
        for cls in type(exc).__mro__:
            if cls in previous:
                return previous[cls](exc)
        return exc
    return handler


def envelope_schema() -> dict[str, Any]:
    """The JSON schema of the error envelope, for the OpenAPI document."""
    return {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string", "description": "给会员看的中文提示"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }},
    }
