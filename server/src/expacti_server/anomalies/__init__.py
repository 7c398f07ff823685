"""Anomaly events: each risk rule that fired on a command, kept for badges, reports, alerts."""
