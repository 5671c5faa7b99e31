"""Reads that encode a rule: every caller (service, view, admin preview, template tag, export)
asks these, so that a rule is written once."""
