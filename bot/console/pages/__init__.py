"""The console's pages, one module per queue; each adds its routes to the one blueprint."""
from bot.console.pages import (activities, activity_editing, admin, articles, campaigns, channels, checkin,  # noqa: F401
                               content, dashboard, home, membership, staff_wechat, tickets)
