"""Who may decide a command, and how many must agree: roles, routing and multi-party policies."""
