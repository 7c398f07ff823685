"""The approval lifecycle: submit, wait, decide, time out, cancel, resume."""
