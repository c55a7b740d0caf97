"""Risk: parameters, rules, sizing and signed approvals (pure logic, no I/O)."""
