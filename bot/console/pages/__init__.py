"""The console's pages, one module per queue; each adds its routes to the one blueprint."""
from bot.console.pages import activities, admin, articles, campaigns, channels, checkin, content, dashboard, home, membership, tickets  # noqa: F401
