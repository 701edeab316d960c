"""Publish stage: write a verified release (manifest last) and update the store's index."""
