"""The Microsoft Teams front end (so far: rendering the core\x27s views as Adaptive Cards)."""
