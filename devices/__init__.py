"""Device abstraction and backends. Imports neither `app`, `ui` nor Qt."""
