"""Demo staff accounts for the embedded default (`make run`), one per role, printed when it starts."""
from __future__ import annotations

from bot.console import accounts

# Only ever created on the embedded default: the demo data talks to the fake WeChat API.
DEMO_PASSWORD = "zgzj-demo-2026"
DEMO_ACCOUNTS = [("demo-admin", "admin"), ("demo-editor", "editor"), ("demo-reviewer", "reviewer"),
                 ("demo-counsellor", "counsellor"), ("demo-discipline", "discipline")]


def load_demo_staff(runtime) -> str:
    """Create the demo accounts once (never outside the embedded default); return how to sign in."""
    if not runtime.config.demo:
        return "no demo staff accounts outside the embedded default"
    for username, role in DEMO_ACCOUNTS:
        if accounts.find_account(runtime.database, username) is None:
            accounts.create_account(runtime.database, username, DEMO_PASSWORD, role, now=runtime.clock())
    base = f"http://{runtime.config.host}:{runtime.config.port}/console"
    names = ", ".join(username for username, _role in DEMO_ACCOUNTS)
    return f"staff console {base}/ : sign in as {names}, password {DEMO_PASSWORD}"
