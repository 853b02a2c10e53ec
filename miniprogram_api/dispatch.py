"""Turn one row of the routes table into a Flask view: auth, rate limit, validation in and out.

A view is a plain function that receives the validated `body` and `query` models and the
path parameters, and returns something its response model can be built from. Everything
around it (the token, the member's rate limit, parsing, the status code, the error
envelope) happens here, once, for every endpoint.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, timezone
from typing import Any, Callable

from flask import current_app, g, jsonify, request
from pydantic import BaseModel, ValidationError

from bot.kv_store import StoreUnavailable
from miniprogram_api.auth import MemberSessions, bearer_token
from miniprogram_api.errors import DEFAULTS, ApiError, field_hints, not_found

log = logging.getLogger(__name__)

MAX_DATABASE_ID = 2**31 - 1
# Dates a member can mean; outside them China-time arithmetic would overflow the calendar.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


@dataclass(frozen=True)
class Route:
    """One endpoint: method, path (Flask syntax, relative to /api/v1), view, schemas and documentation."""

    method: str
    path: str
    view: Callable[..., Any]
    summary: str  # Chinese, shown on the docs page
    tag: str
    response: type[BaseModel] | None = None  # None: 204 No Content
    status: int = 200
    body: type[BaseModel] | None = None  # JSON request body
    query: type[BaseModel] | None = None
    upload: bool = False  # multipart/form-data with one file in `file`
    auth: bool = True
    errors: tuple[int, ...] = ()  # statuses the view itself may answer, besides the automatic ones
    description: str = ""
    raw_media: str | None = None  # the view returns a finished Flask response of this media type

    @property
    def endpoint(self) -> str:
        """The Flask endpoint name."""
        return f"{self.method.lower()}_{self.view.__module__.rsplit('.', 1)[-1]}_{self.view.__name__}"

    def path_params(self) -> list[tuple[str, str]]:
        """(name, converter) of each path parameter."""
        return [(name, converter or "string") for converter, name in _PARAM.findall(self.path)]

    def error_statuses(self) -> list[int]:
        """Every error status this endpoint can answer, for the document."""
        statuses = set(self.errors) | {429}
        if self.auth:
            statuses.add(401)
        if self.body is not None or self.upload:
            statuses |= {400, 422}
        if self.query is not None:
            statuses.add(422)
        if self.path_params():
            statuses.add(404)
        if self.upload:
            statuses |= {413, 415}
        return sorted(statuses)


def sessions() -> MemberSessions:
    """The sign-in service of this app."""
    api = current_app.extensions["zgzj_api"]
    if "sessions" not in api:
        api["sessions"] = MemberSessions(current_app.extensions["zgzj"])
    return api["sessions"]


def check_rate(subject: str) -> None:
    """Count one request for subject; raise 429 over the configured limit per minute (fail open)."""
    runtime = current_app.extensions["zgzj"]
    limit = int(runtime.config.api_rate_limit_per_minute)
    now = _now(runtime)
    try:
        count = _sliding_count(runtime.store, f"api:rate:{subject}", now, add=1)
    except StoreUnavailable as exc:
        log.warning("store unavailable, api rate limit not applied to %s: %s", subject, exc)
        return
    if count > limit:
        raise _rate_limited(now)


def _now(runtime) -> float:
    return runtime.clock().replace(tzinfo=timezone.utc).timestamp()


def _rate_limited(now: float) -> ApiError:
    return ApiError(429, "rate_limited", "操作太频繁了，请稍后再试。",
                    headers={"Retry-After": str(max(1, 60 - int(now % 60)))})


def _sliding_count(store, prefix: str, now: float, add: int) -> float:
    """Events in the last 60 s, estimated from this minute's counter and the previous one's.

    A fixed per-minute window lets a client spend its limit at :59 and again at :00;
    weighting the previous minute by the part of it still inside the window does not.
    """
    minute = int(now // 60)
    current = store.incr(f"{prefix}:{minute}", add, ttl=121) if add else int(store.get(f"{prefix}:{minute}") or 0)
    previous = int(store.get(f"{prefix}:{minute - 1}") or 0)
    return current + previous * (1 - (now % 60) / 60)


def _auth_failures_prefix() -> str:
    return f"api:auth-failures:{request.remote_addr or 'unknown'}"


def check_auth_failures() -> None:
    """Raise 429 when this address failed authentication too often in the last minute (fail open)."""
    runtime = current_app.extensions["zgzj"]
    now = _now(runtime)
    try:
        failures = _sliding_count(runtime.store, _auth_failures_prefix(), now, add=0)
    except StoreUnavailable:
        return
    if failures >= int(runtime.config.api_auth_failures_per_minute):
        raise _rate_limited(now)


def count_auth_failure() -> None:
    """Count one failed sign-in or refused token for this address."""
    runtime = current_app.extensions["zgzj"]
    try:
        runtime.store.incr(f"{_auth_failures_prefix()}:{int(_now(runtime) // 60)}", 1, ttl=121)
    except StoreUnavailable as exc:
        log.warning("store unavailable, failed authentication not counted: %s", exc)


def _refuse_unusable(model: BaseModel) -> BaseModel:
    """Raise 422 for values the schema lets through but nothing can store or compute with."""
    problems: dict[str, str] = {}

    def visit(value: Any, where: str) -> None:
        if isinstance(value, str) and "\x00" in value:
            problems[where] = "不能包含空字符。"  # PostgreSQL cannot store NUL in text
        elif isinstance(value, date) and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            problems[where] = f"日期应在 {EARLIEST_YEAR} 年到 {LATEST_YEAR} 年之间。"
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                visit(getattr(value, name), f"{where}.{name}" if where else name)
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                visit(item, f"{where}.{index}")
        elif isinstance(value, dict):
            for key, item in value.items():
                visit(key, where)
                visit(item, f"{where}.{key}")

    visit(model, "")
    if problems:
        raise ApiError(422, "validation_failed", DEFAULTS[422][1], problems)
    return model


def _parse_body(route: Route) -> BaseModel:
    return _refuse_unusable(_parse_body_model(route))


def _parse_body_model(route: Route) -> BaseModel:
    raw = request.get_data(cache=True) or b"{}"
    try:
        return route.body.model_validate_json(raw)
    except ValidationError as exc:
        if any(error.get("type") == "json_invalid" for error in exc.errors(include_url=False)):
            raise ApiError(400, "invalid_json", "请求内容不是有效的 JSON。") from None
        fields = field_hints(exc)
        raise ApiError(422, "validation_failed", DEFAULTS[422][1], fields) from None


def _parse_query(route: Route) -> BaseModel:
    try:
        return _refuse_unusable(route.query.model_validate(request.args.to_dict()))
    except ValidationError as exc:
        raise ApiError(422, "validation_failed", DEFAULTS[422][1], field_hints(exc)) from None


def make_view(route: Route) -> Callable[..., Any]:
    """Wrap route.view with authentication, rate limiting, validation and serialization."""

    def view(**path: Any):
        """Serve one request of this route."""
        if route.auth:
            token = bearer_token()
            if token is None:
                raise ApiError(401, "token_missing", "请先登录。", headers={"WWW-Authenticate": "Bearer"})
            check_auth_failures()
            try:
                g.api_member = sessions().authenticate(token)
            except ApiError as exc:
                if exc.status == 401:
                    count_auth_failure()
                raise
            check_rate(f"p{g.api_member.person_id}")
        else:
            check_rate(f"ip:{request.remote_addr or 'unknown'}")
        for name, converter in route.path_params():
            if converter == "int" and not 0 < path[name] <= MAX_DATABASE_ID:
                raise not_found()
        kwargs: dict[str, Any] = dict(path)
        if route.query is not None:
            kwargs["query"] = _parse_query(route)
        if route.body is not None:
            kwargs["body"] = _parse_body(route)
        if route.path.startswith("/auth/"):
            check_auth_failures()  # login and refresh: a code or refresh token guessed over and over
            try:
                result = route.view(**kwargs)
            except ApiError as exc:
                if exc.status == 401:
                    count_auth_failure()
                raise
        else:
            result = route.view(**kwargs)
        if route.raw_media:
            return result
        if route.response is None:
            return "", 204
        if not isinstance(result, route.response):
            result = route.response.model_validate(result)
        response = jsonify(result.model_dump(mode="json"))
        response.status_code = route.status
        return response

    view.__name__ = route.endpoint
    view.__doc__ = route.summary
    return view

