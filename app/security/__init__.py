"""Keys and encryption at rest on the counter (#10)."""
