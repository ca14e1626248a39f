"""Identities vouched for by outside identity providers.

One package per standard: :mod:`.oidc` (OpenID Connect ID tokens, for
AssumeRoleWithWebIdentity) and :mod:`.saml` (SAML 2.0 assertions, for
AssumeRoleWithSAML).  Pure verification plus the fetching of provider keys
(:mod:`.https`); nothing here knows about STS, the store or the wire protocol.
"""
