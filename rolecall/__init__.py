"""rolecall: a self-hosted, AWS-compatible IAM and STS that really enforces policies."""

__version__ = "0.1.0"
