"""rolecall's policy engine: parse, validate, compile and evaluate AWS IAM policies.

Pure Python, no I/O.  Typical use::

    from rolecall.policy import (
        PolicyKind, compile_policy, policy_group, PrincipalPolicies, authorize,
        Caller, CallerKind, RequestContext,
    )

    identity = policy_group([compile_policy(text, PolicyKind.IDENTITY)])
    caller = Caller(CallerKind.USER, "arn:aws:iam::123456789012:user/bob", "123456789012")
    decision = authorize(caller, "s3:GetObject", "arn:aws:s3:::bucket/key",
                         RequestContext.of({"aws:SourceIp": "10.0.0.1"}),
                         PrincipalPolicies(identity))
    decision.allowed, decision.message(caller.arn, "s3:GetObject", "arn:aws:s3:::bucket/key")

See ``docs/policy-engine.md`` for the full picture.
"""

from .ast import (
    VERSION_2008,
    VERSION_2012,
    ConditionClause,
    Effect,
    Policy,
    PolicyKind,
    Principals,
    Statement,
)
from .authorizer import (
    NO_RESOURCE_POLICIES,
    Authorizer,
    PrincipalPolicies,
    ResourcePolicies,
    authorize,
)
from .cache import clear_caches, compile_policy, policy_group
from .compiler import CompiledPolicy, CompiledStatement, PolicyGroup, PolicySource
from .context import Caller, CallerKind, RequestContext, root_caller
from .decision import Decision, Outcome, PolicyType
from .errors import PolicyError, PolicyLimitError, PolicySyntaxError
from .limits import policy_size
from .parser import parse_policy
from .principals import PrincipalMatch
from .serialize import dump_policy, policy_document

__all__ = [
    "NO_RESOURCE_POLICIES",
    "VERSION_2008",
    "VERSION_2012",
    "Authorizer",
    "Caller",
    "CallerKind",
    "CompiledPolicy",
    "CompiledStatement",
    "ConditionClause",
    "Decision",
    "Effect",
    "Outcome",
    "Policy",
    "PolicyError",
    "PolicyGroup",
    "PolicyKind",
    "PolicyLimitError",
    "PolicySource",
    "PolicySyntaxError",
    "PolicyType",
    "PrincipalMatch",
    "PrincipalPolicies",
    "Principals",
    "RequestContext",
    "ResourcePolicies",
    "Statement",
    "authorize",
    "clear_caches",
    "compile_policy",
    "dump_policy",
    "parse_policy",
    "policy_document",
    "policy_group",
    "policy_size",
    "root_caller",
]
