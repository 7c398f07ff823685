"""Agent sessions: commands grouped under a goal and its steps."""
