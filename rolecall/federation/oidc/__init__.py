"""OpenID Connect: discovering issuers' signing keys and verifying ID tokens."""
