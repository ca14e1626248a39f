"""The audit trail: one CloudTrail-style record per API call, durably written."""
