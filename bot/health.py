"""GET /healthz: the state of the database, the store and the WeChat API."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

blueprint = Blueprint("health", __name__)


def init_app(app) -> None:
    """Register /healthz."""
    app.register_blueprint(blueprint)


def check(runtime) -> dict:
    """Probe each dependency; return a JSON-able report."""
    report = {}
    probes = {
        "database": runtime.database.ping,
        "store": runtime.store.ping,
        "wechat": runtime.wechat.ping,
    }
    for name, probe in probes.items():
        try:
            probe()
            report[name] = {"ok": True}
        except Exception as exc:  # a health check reports every failure, whatever its kind
            report[name] = {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"[:300]}
    report["store"]["kind"] = type(runtime.store).__name__
    report["down"] = [name for name, value in report.items() if isinstance(value, dict) and not value["ok"]]
    report["ok"] = not report["down"]
    return report


@blueprint.get("/healthz")
def healthz():
    """Report the dependencies; 503 when one is down, naming it in `down`."""
    report = check(current_app.extensions["zgzj"])
    return jsonify(report), (200 if report["ok"] else 503)
