"""Load the service configuration: config.yaml, then environment overrides, validated."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Demo credentials for the embedded default. They only ever talk to our fake WeChat API.
DEMO_TOKEN = "zgzj-demo-token"
DEMO_APP_ID = "wxd0000000000demo"
DEMO_APP_SECRET = "demo-app-secret"
DEMO_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
DEMO_MINIPROGRAM_APP_ID = "wxm000000000demomp"
DEMO_SECRET_KEY = "zgzj-demo-secret-key-change-me-in-production"


class ConfigError(ValueError):
    """A setting is missing or has a bad value; the message names the setting."""


@dataclass(frozen=True)
class Setting:
    key: str  # dotted path in config.yaml
    env: str  # environment variable that overrides it
    default: Any = None
    parse: Callable[[Any], Any] = str
    demo_default: Any = None  # used when the service runs on the embedded default
    required: bool = False
    secret: bool = False


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def _port(value: Any) -> int:
    port = int(value)
    if not 0 < port < 65536:
        raise ValueError(f"port must be between 1 and 65535, got {port}")
    return port


def _positive_float(value: Any) -> float:
    number = float(value)
    if number <= 0:
        raise ValueError(f"must be positive, got {value!r}")
    return number


def _positive_int(value: Any) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError(f"must be positive, got {value!r}")
    return number


def _non_negative_int(value: Any) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(f"must be zero or more, got {value!r}")
    return number


def _hour(value: Any) -> int:
    number = int(value)
    if not 0 <= number <= 23:
        raise ValueError(f"an hour of the day is 0 to 23, got {value!r}")
    return number


def _aes_key(value: Any) -> str:
    text = str(value or "")
    if text and len(text) != 43:
        raise ValueError("an EncodingAESKey is exactly 43 characters")
    return text


def _service_hours(value: Any) -> str:
    from bot.services.service_hours import parse_hours  # the one parser, so start-up rejects what chat could not read

    text = str(value or "").strip()
    parse_hours(text)
    return text


def _holidays(value: Any) -> tuple:
    from bot.services.service_hours import parse_holidays

    return parse_holidays(value)


def _message_log_mode(value: Any) -> str:
    text = str(value or "auto").strip().lower()
    if text not in ("auto", "batched", "inline"):
        raise ValueError(f"expected auto, batched or inline, got {value!r}")
    return text


def _url(value: Any) -> str:
    text = str(value or "").strip()
    if text and "://" not in text:
        raise ValueError(f"expected a URL such as http://host:port, got {text!r}")
    return text.rstrip("/")


# Every setting the service reads. Other modules add theirs here, in one table.
SETTINGS: list[Setting] = [
    Setting("wechat.token", "WECHAT_TOKEN", required=True, demo_default=DEMO_TOKEN, secret=True),
    Setting("wechat.app_id", "WECHAT_APP_ID", required=True, demo_default=DEMO_APP_ID),
    Setting("wechat.app_secret", "WECHAT_APP_SECRET", required=True, demo_default=DEMO_APP_SECRET, secret=True),
    Setting("wechat.encoding_aes_key", "WECHAT_ENCODING_AES_KEY", "", _aes_key, demo_default=DEMO_AES_KEY, secret=True),
    Setting("wechat.previous_encoding_aes_key", "WECHAT_PREVIOUS_ENCODING_AES_KEY", "", _aes_key, secret=True),
    Setting("wechat.api_base_url", "WECHAT_API_BASE_URL", "https://api.weixin.qq.com", _url,
            demo_default="http://127.0.0.1:8001"),
    Setting("wechat.api_timeout_seconds", "WECHAT_API_TIMEOUT_SECONDS", 3.0, _positive_float),
    Setting("wechat.replay_window_seconds", "WECHAT_REPLAY_WINDOW_SECONDS", 300, _positive_int),
    Setting("wechat.reply_deadline_seconds", "WECHAT_REPLY_DEADLINE_SECONDS", 4.0, _positive_float),
    # The webhook's message log: dedup in Redis and rows written in batches, or claimed in the database.
    Setting("webhook.message_log", "WEBHOOK_MESSAGE_LOG", "auto", _message_log_mode),
    Setting("webhook.log_flush_seconds", "WEBHOOK_LOG_FLUSH_SECONDS", 0.5, _positive_float),
    Setting("webhook.follower_touch_minutes", "WEBHOOK_FOLLOWER_TOUCH_MINUTES", 10.0, _positive_float),
    Setting("miniprogram.app_id", "MINIPROGRAM_APP_ID", "", demo_default=DEMO_MINIPROGRAM_APP_ID),
    Setting("miniprogram.app_secret", "MINIPROGRAM_APP_SECRET", "", demo_default=DEMO_APP_SECRET, secret=True),
    Setting("database_url", "DATABASE_URL", required=True, demo_default="sqlite:///{var_dir}/zgzj.db"),
    Setting("redis_url", "REDIS_URL", ""),
    Setting("redis_timeout_seconds", "REDIS_TIMEOUT_SECONDS", 0.5, _positive_float),
    Setting("secret_key", "SECRET_KEY", required=True, demo_default=DEMO_SECRET_KEY, secret=True),
    Setting("host", "HOST", "127.0.0.1"),
    Setting("trusted_proxies", "TRUSTED_PROXIES", 0, int),
    Setting("port", "PORT", 8000, _port),
    Setting("content_dir", "ZGZJ_CONTENT_DIR", str(PROJECT_ROOT / "content")),
    Setting("var_dir", "ZGZJ_VAR_DIR", str(PROJECT_ROOT / "var")),
    Setting("log_level", "LOG_LEVEL", "INFO", lambda v: str(v).upper()),
    Setting("session_ttl_seconds", "SESSION_TTL_SECONDS", 86400, _positive_int),
    # Push campaigns and the scheduler process (bot/push).
    Setting("push.rate_per_second", "PUSH_RATE_PER_SECOND", 200.0, _positive_float),
    Setting("push.rate_burst", "PUSH_RATE_BURST", 0, _non_negative_int),
    Setting("push.concurrency", "PUSH_CONCURRENCY", 50, _positive_int),
    Setting("push.batch_size", "PUSH_BATCH_SIZE", 500, _positive_int),
    Setting("push.lease_seconds", "PUSH_LEASE_SECONDS", 60.0, _positive_float),
    Setting("push.max_attempts", "PUSH_MAX_ATTEMPTS", 5, _positive_int),
    Setting("push.retry_backoff_seconds", "PUSH_RETRY_BACKOFF_SECONDS", 1.0, _positive_float),
    Setting("push.queue_name", "PUSH_QUEUE_NAME", "push"),
    Setting("push.drain_jobs", "PUSH_DRAIN_JOBS", 4, _positive_int),
    Setting("push.template_id_activity_notice", "PUSH_TEMPLATE_ID_ACTIVITY_NOTICE", "",
            demo_default="TPL_ACTIVITY_NOTICE"),
    Setting("push.subscribe_template_id", "PUSH_SUBSCRIBE_TEMPLATE_ID", "", demo_default="SUB_ACTIVITY_NOTICE"),
    Setting("push.mass_sends_per_month", "PUSH_MASS_SENDS_PER_MONTH", 4, _non_negative_int),
    Setting("push.mass_sends_per_day", "PUSH_MASS_SENDS_PER_DAY", 0, _non_negative_int),
    Setting("push.template_sends_per_day", "PUSH_TEMPLATE_SENDS_PER_DAY", 100000, _non_negative_int),
    Setting("push.reminder_hour", "PUSH_REMINDER_HOUR", 10, _hour),
    Setting("scheduler.misfire_grace_seconds", "SCHEDULER_MISFIRE_GRACE_SECONDS", 3600, _positive_int),
    Setting("scheduler.poll_seconds", "SCHEDULER_POLL_SECONDS", 5.0, _positive_float),
    Setting("scheduler.lock_ttl_seconds", "SCHEDULER_LOCK_TTL_SECONDS", 30.0, _positive_float),
    Setting("activities.template_id_promoted", "ACTIVITIES_TEMPLATE_ID_PROMOTED", "",
            demo_default="TPL_ACTIVITY_PROMOTED"),
    # Joining the union: the template message telling a worker their application changed (outside 48 h).
    Setting("membership.template_id", "MEMBERSHIP_TEMPLATE_ID", "", demo_default="TPL_MEMBERSHIP_STATUS"),
    Setting("api.token_ttl_seconds", "API_TOKEN_TTL_SECONDS", 7200, _positive_int),
    Setting("api.refresh_ttl_seconds", "API_REFRESH_TTL_SECONDS", 30 * 86400, _positive_int),
    Setting("api.rate_limit_per_minute", "API_RATE_LIMIT_PER_MINUTE", 120, _positive_int),
    Setting("api.auth_failures_per_minute", "API_AUTH_FAILURES_PER_MINUTE", 30, _positive_int),
    Setting("api.upload_max_bytes", "API_UPLOAD_MAX_BYTES", 5 * 1024 * 1024, _positive_int),
    # The human agent (转人工): service hours in China time, closed days, the customer-service account.
    Setting("human_agent.hours", "HUMAN_AGENT_HOURS", "周一至周五 09:00-17:30", _service_hours),
    Setting("human_agent.holidays", "HUMAN_AGENT_HOLIDAYS", (), _holidays),
    Setting("human_agent.kf_account", "HUMAN_AGENT_KF_ACCOUNT", ""),
    Setting("tickets.template_id_answer", "TICKETS_TEMPLATE_ID_ANSWER", "", demo_default="TPL_TICKET_ANSWER"),
    # The staff console (bot/console): cookie over HTTPS only, idle time-out, lock-out after failed sign-ins.
    Setting("console.cookie_secure", "CONSOLE_COOKIE_SECURE", True, _bool, demo_default=False),
    Setting("console.idle_minutes", "CONSOLE_IDLE_MINUTES", 30, _positive_int),
    Setting("console.max_failed_sign_ins", "CONSOLE_MAX_FAILED_SIGN_INS", 5, _positive_int),
    Setting("console.lockout_minutes", "CONSOLE_LOCKOUT_MINUTES", 15, _positive_int),
    # WeChat notices to staff who bound their WeChat (bot/console/notices.py): new and overdue tickets, a daily digest.
    Setting("staff_notices.enabled", "STAFF_NOTICES_ENABLED", True, _bool),
    Setting("staff_notices.template_id", "STAFF_NOTICES_TEMPLATE_ID", "", demo_default="TPL_STAFF_NOTICE"),
    Setting("staff_notices.digest_hour", "STAFF_NOTICES_DIGEST_HOUR", 8, _hour),
    Setting("staff_notices.per_person_per_day", "STAFF_NOTICES_PER_PERSON_PER_DAY", 20, _positive_int),
    # Personal data (PIPL): how long things are kept, enforced by the scheduler's privacy.retention job.
    Setting("retention.message_text_days", "RETENTION_MESSAGE_TEXT_DAYS", 90, _positive_int),
    Setting("retention.closed_ticket_days", "RETENTION_CLOSED_TICKET_DAYS", 730, _positive_int),
    Setting("retention.abandoned_form_hours", "RETENTION_ABANDONED_FORM_HOURS", 24, _positive_int),
]


class Config:
    """Validated settings; `config.wechat_token` reads the setting `wechat.token`."""

    def __init__(self, values: dict[str, Any], demo: bool):
        self._values = values
        self.demo = demo

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def get(self, key: str, default: Any = None) -> Any:
        """Return a setting by its dotted key."""
        return self._values.get(key.replace(".", "_"), default)

    def with_overrides(self, **overrides: Any) -> "Config":
        """Return a copy with some settings replaced (attribute names)."""
        return Config({**self._values, **overrides}, self.demo)

    def describe(self) -> dict[str, Any]:
        """Return the settings with secrets hidden, for start-up logs."""
        secret = {s.key.replace(".", "_") for s in SETTINGS if s.secret}
        return {k: ("***" if k in secret and v else v) for k, v in self._values.items()}


def _lookup(tree: dict, dotted: str) -> Any:
    node: Any = tree
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def load_config(overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None,
                path: str | os.PathLike | None = None) -> Config:
    """Read config.yaml (or $ZGZJ_CONFIG), then the environment, then `overrides`; validate."""
    environ = os.environ if environ is None else environ
    overrides = overrides or {}
    config_path = Path(path or environ.get("ZGZJ_CONFIG") or PROJECT_ROOT / "config.yaml")
    tree: dict = {}
    if config_path.exists():
        try:
            tree = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{config_path}: not valid YAML: {exc}") from exc
        if not isinstance(tree, dict):
            raise ConfigError(f"{config_path}: expected a mapping of settings at the top level")
    elif environ.get("ZGZJ_CONFIG"):
        raise ConfigError(f"ZGZJ_CONFIG names {config_path}, which does not exist")

    raw: dict[str, Any] = {}
    for setting in SETTINGS:
        value = _lookup(tree, setting.key)
        if setting.env in environ:
            value = environ[setting.env]
        if setting.key in overrides:
            value = overrides[setting.key]
        raw[setting.key] = value

    # The embedded default: nothing about WeChat or the database was configured.
    demo = all(raw[s.key] in (None, "") for s in SETTINGS if s.required)
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        value = raw[setting.key]
        if value in (None, "") and demo and setting.demo_default is not None:
            value = setting.demo_default
        if value in (None, ""):
            if setting.required:
                raise ConfigError(
                    f"setting {setting.key} (environment variable {setting.env}) is required; "
                    f"set it in config.yaml or the environment")
            value = setting.default
        try:
            value = setting.parse(value) if value is not None else None
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"setting {setting.key} ({setting.env}) has a bad value: {exc}") from exc
        values[setting.key.replace(".", "_")] = value
    for key in ("content_dir", "var_dir"):
        if not Path(values[key]).is_absolute():
            values[key] = str(PROJECT_ROOT / values[key])
    if isinstance(values.get("database_url"), str):
        values["database_url"] = values["database_url"].replace("{var_dir}", values["var_dir"])
    if len(values["secret_key"]) < 16:
        raise ConfigError("setting secret_key (SECRET_KEY) must be at least 16 characters")
    return Config(values, demo)
