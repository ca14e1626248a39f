"""Secrets at rest: the server keyring (AES-GCM) and password hashing (scrypt)."""
