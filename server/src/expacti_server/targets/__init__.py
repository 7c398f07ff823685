"""Target groups: named sets of targets that whitelist rules can be scoped to."""
