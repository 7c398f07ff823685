"""End-to-end encryption of commands: reviewers' public keys and the envelope agents send."""
