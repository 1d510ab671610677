"""The core's domain: what an assessment is, free of any platform or store."""
