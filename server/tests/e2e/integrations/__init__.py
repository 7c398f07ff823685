"""Agent-framework tools and the GitHub Action against the real server."""
