"""Everything WeChat: the API client (client), the callback envelope (envelope), the fake API (fake),
the follower simulator (simulator), the custom menu (menu) and their commands (commands)."""
