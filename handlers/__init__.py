"""Chat front ends: each renders the core's views and turns its events into service calls."""
