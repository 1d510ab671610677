"""The platform-neutral core of the assessment facilitator."""
