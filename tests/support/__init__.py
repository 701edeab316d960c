"""Test helpers: a real local HTTP server with Range support and a small real release writer."""
