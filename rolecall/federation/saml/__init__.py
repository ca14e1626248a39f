"""SAML 2.0: verifying the signed responses of identity providers (see :mod:`.assertion`)."""
