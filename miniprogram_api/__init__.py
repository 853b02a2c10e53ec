"""The mini-program JSON API under /api/v1: routes table, schemas, one error envelope."""
from __future__ import annotations

from flask import Blueprint

API_PREFIX = "/api/v1"


def init_app(app) -> None:
    """Register the API blueprint, every route of the table and the error envelope."""
    from miniprogram_api import errors
    from miniprogram_api.dispatch import make_view
    from miniprogram_api.routes import ROUTES

    blueprint = Blueprint("miniprogram_api", __name__, url_prefix=API_PREFIX)
    for route in ROUTES:
        blueprint.add_url_rule(route.path, endpoint=route.endpoint, view_func=make_view(route), methods=[route.method])
    errors.init_app(app, blueprint)

    @blueprint.after_request
    def no_sniffing(response):
        """Browsers must take every answer (JSON, images) as the type it says it is."""
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    app.register_blueprint(blueprint)
    app.extensions["zgzj_api"] = {}
