"""The evidence sections of a report, each read from the database by SQL aggregates."""
