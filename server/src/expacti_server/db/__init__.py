"""Persistence: one engine for SQLite or PostgreSQL, tables, migrations."""
