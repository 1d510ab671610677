"""The use cases: each module one family of them, sharing one set of dependencies."""
