"""Persistence: SQLAlchemy 2 models, the round repository, the unit of work and migrations."""
