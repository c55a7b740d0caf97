"""The order management system: repository, submission, reconciliation, approvals, accounting."""
