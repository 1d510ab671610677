"""Neutral view models: what to say, not how a chat platform draws it."""
