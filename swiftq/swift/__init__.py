"""A small, pooled, thread-safe client for the Swift API (no business logic)."""
