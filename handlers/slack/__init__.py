"""The Slack front end (Bolt)."""
