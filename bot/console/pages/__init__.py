"""The console's pages, one module per queue; each adds its routes to the one blueprint."""
from bot.console.pages import (activities, admin, articles, campaigns, channels, dashboard, home, membership,  # noqa: F401
                                staff_wechat, tickets)
