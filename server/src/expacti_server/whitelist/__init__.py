"""Whitelist rules: storage, API and the per-organisation matching cache."""
