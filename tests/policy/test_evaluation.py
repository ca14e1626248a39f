"""The decision logic: which policy types must allow, which may, and who wins.

Pages:
- EVAL: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
- SINGLE: "Policy evaluation for requests within a single account"
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html
- DENYALLOW: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
  (the "Resource-based policies and implicit denies in other policy types (same account)" table)
- BOUNDARIES: "Permissions boundaries for IAM entities"
  https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
- SESSION: "Session policies" https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
- CROSS: "Cross-account policy evaluation logic"
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
- SCPS: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
- RCPS: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html
- NOTPRINCIPAL: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
"""

from __future__ import annotations

from typing import Any

import pytest

from rolecall.policy import Decision, Outcome, PolicyKind, PolicyType

from .helpers import (
    ACCOUNT,
    OTHER,
    allow,
    decide,
    deny,
    doc,
    federated_user,
    role_session,
    root,
    service,
    user,
)

EVAL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"
SINGLE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html"
DENYALLOW = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html"
BOUNDARIES = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html"
SESSION = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session"
CROSS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html"
SCPS = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html"
RCPS = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html"
NOTPRINCIPAL = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html"
)
PRINCIPAL = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"
)
TROUBLESHOOT = "https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html"

BUCKET = "arn:aws:s3:::bucket/key"
ACTION = "s3:GetObject"
ALLOW_ALL = doc(allow())
ALLOW_S3 = doc(allow("s3:*"))
ALLOW_EC2 = doc(allow("ec2:*"))  # allows something, but not the request
DENY_ALL = doc(deny())

ALLOWED = (Outcome.ALLOWED, None)


def implicit(kind: PolicyType) -> tuple[Outcome, PolicyType]:
    return Outcome.IMPLICIT_DENY, kind


def explicit(kind: PolicyType) -> tuple[Outcome, PolicyType]:
    return Outcome.EXPLICIT_DENY, kind


def summary(d: Decision) -> tuple[Outcome, PolicyType | None]:
    return d.outcome, d.decided_by


def bucket_policy(*principal_values: str, effect: str = "Allow", **extra: Any) -> str:
    """A bucket policy granting (or denying) s3:* on the bucket to ``principal_values``."""
    principal: Any = "*" if principal_values == ("*",) else {"AWS": list(principal_values)}
    return doc(
        {
            "Effect": effect,
            "Principal": principal,
            "Action": "s3:*",
            "Resource": "arn:aws:s3:::bucket/*",
            **extra,
        }
    )


# -- identity-based policies alone -----------------------------------------------------------------


def test_default_is_implicit_deny() -> None:
    # EVAL: "By default, all requests are implicitly denied"
    assert summary(decide(user(), ACTION, BUCKET)) == implicit(PolicyType.IDENTITY), EVAL


def test_identity_allow() -> None:
    assert summary(decide(user(), ACTION, BUCKET, identity=[ALLOW_S3])) == ALLOWED, EVAL


def test_any_identity_policy_may_allow() -> None:
    # EVAL: "If multiple policies apply to a request, AWS applies a logical OR across
    # all of those policies" (and across statements).
    assert decide(user(), ACTION, BUCKET, identity=[ALLOW_EC2, ALLOW_S3]).allowed, EVAL


def test_explicit_deny_overrides_allow_in_identity_policies() -> None:
    d = decide(user(), ACTION, BUCKET, identity=[ALLOW_ALL, doc(deny("s3:GetObject"))])
    assert summary(d) == explicit(PolicyType.IDENTITY), EVAL


def test_root_has_full_access_in_its_account() -> None:
    # DENYALLOW: "all requests are implicitly denied with the exception of the AWS account
    # root user, which has full access."
    assert decide(root(), "iam:DeleteAccountPasswordPolicy").allowed, DENYALLOW


# -- explicit deny wins everywhere -----------------------------------------------------------------

EVERYTHING_ALLOWS: dict[str, Any] = {
    "identity": [ALLOW_ALL],
    "boundary": [ALLOW_ALL],
    "session": [ALLOW_ALL],
    "scps": [[ALLOW_ALL], [ALLOW_ALL]],
    "rcps": [[doc(allow(Principal="*"))]],
    "resource_policy": bucket_policy("*"),
}


@pytest.mark.parametrize(
    ("where", "replacement", "kind"),
    [
        ("identity", [ALLOW_ALL, DENY_ALL], PolicyType.IDENTITY),
        ("boundary", [ALLOW_ALL, DENY_ALL], PolicyType.BOUNDARY),
        ("session", [DENY_ALL, ALLOW_ALL], PolicyType.SESSION),
        ("scps", [[ALLOW_ALL], [ALLOW_ALL, DENY_ALL]], PolicyType.SCP),
        ("rcps", [[doc(allow(Principal="*"), deny(Principal="*"))]], PolicyType.RCP),
        (
            "resource_policy",
            doc(allow(Principal="*"), deny(Principal={"AWS": ACCOUNT})),
            PolicyType.RESOURCE,
        ),
    ],
)
def test_explicit_deny_in_any_policy_type_wins(
    where: str, replacement: Any, kind: PolicyType
) -> None:
    # DENYALLOW step 1: "If the code finds even one explicit deny that applies, the code
    # returns a final decision of Deny."  A bucket policy naming the session itself
    # (strongest grant there is) does not help either.
    base = decide(role_session(boundary=True), ACTION, BUCKET, **EVERYTHING_ALLOWS)
    assert base.allowed
    kwargs = {**EVERYTHING_ALLOWS, where: replacement}
    d = decide(role_session(boundary=True), ACTION, BUCKET, **kwargs)
    assert summary(d) == explicit(kind), DENYALLOW


def test_explicit_deny_in_scp_applies_to_root() -> None:
    # SCPS: SCPs affect the root user of member accounts.
    d = decide(root(), ACTION, BUCKET, scps=[[ALLOW_ALL, DENY_ALL]])
    assert summary(d) == explicit(PolicyType.SCP), SCPS


# -- same account: resource-based policies and who they name --------------------------------------
#
# DENYALLOW's table "Resource-based policies and implicit denies in other policy types (same
# account)", and SESSION's two figures (resource policy naming the entity ARN / the session ARN).

SAME_ACCOUNT_CASES = [
    # (id, caller, principal value in the bucket policy, identity, boundary, session, expected)
    # IAM user: "not limited by an implicit deny in an identity-based policy or permissions
    # boundary"
    ("user-arn/no-identity", user(), f"arn:aws:iam::{ACCOUNT}:user/alice", [], None, None, ALLOWED),
    (
        "user-arn/boundary-cuts",
        user(boundary=True),
        f"arn:aws:iam::{ACCOUNT}:user/alice",
        [ALLOW_ALL],
        [ALLOW_EC2],
        None,
        ALLOWED,
    ),
    ("user-unique-id", user(), "AIDAALICEXXXXXXXXXXXX", [], None, None, ALLOWED),
    # IAM role: "limited by an implicit deny in a permissions boundary or session policy"
    (
        "role-arn/no-identity",
        role_session(),
        f"arn:aws:iam::{ACCOUNT}:role/app",
        [],
        None,
        None,
        ALLOWED,
    ),
    (
        "role-arn/boundary-cuts",
        role_session(boundary=True),
        f"arn:aws:iam::{ACCOUNT}:role/app",
        [ALLOW_ALL],
        [ALLOW_EC2],
        None,
        implicit(PolicyType.BOUNDARY),
    ),
    (
        "role-arn/session-cuts",
        role_session(),
        f"arn:aws:iam::{ACCOUNT}:role/app",
        [ALLOW_ALL],
        None,
        [ALLOW_EC2],
        implicit(PolicyType.SESSION),
    ),
    (
        "role-arn/session-allows",
        role_session(),
        f"arn:aws:iam::{ACCOUNT}:role/app",
        [],
        None,
        [ALLOW_S3],
        ALLOWED,
    ),
    (
        "role-unique-id/boundary-cuts",
        role_session(boundary=True),
        "AROAAPPXXXXXXXXXXXXXX",
        [],
        [ALLOW_EC2],
        None,
        implicit(PolicyType.BOUNDARY),
    ),
    # IAM role session: "not limited by an implicit deny in an identity-based policy, a
    # permissions boundary, or session policy"
    (
        "session-arn/everything-cuts",
        role_session(boundary=True),
        f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1",
        [],
        [ALLOW_EC2],
        [ALLOW_EC2],
        ALLOWED,
    ),
    # IAM federated user session ARN: granted directly to the session
    (
        "federated-arn/no-session-policy",
        federated_user(),
        f"arn:aws:sts::{ACCOUNT}:federated-user/fed",
        [],
        None,
        [],
        ALLOWED,
    ),
    # "if a resource-based policy grants permission to the ARN of the IAM user who federated,
    # then requests made by the federated user during the session are limited by an implicit
    # deny in a permission boundary or session policy"
    (
        "federating-user-arn/session-cuts",
        federated_user(),
        f"arn:aws:iam::{ACCOUNT}:user/alice",
        [],
        None,
        [ALLOW_EC2],
        implicit(PolicyType.SESSION),
    ),
    (
        "federating-user-arn/session-allows",
        federated_user(),
        f"arn:aws:iam::{ACCOUNT}:user/alice",
        [],
        None,
        [ALLOW_S3],
        ALLOWED,
    ),
    # An account principal delegates to the account's identity-based policies.
    ("account/no-identity", user(), ACCOUNT, [], None, None, implicit(PolicyType.IDENTITY)),
    (
        "account-root-arn/identity",
        user(),
        f"arn:aws:iam::{ACCOUNT}:root",
        [ALLOW_S3],
        None,
        None,
        ALLOWED,
    ),
    (
        "account/boundary-cuts",
        user(boundary=True),
        ACCOUNT,
        [ALLOW_S3],
        [ALLOW_EC2],
        None,
        implicit(PolicyType.BOUNDARY),
    ),
    # PRINCIPAL: "using a wildcard (*) with an Allow effect grants access to all users ... For
    # IAM users and role principals within your account, no other permissions are required."
    (
        "star/role-everything-cuts",
        role_session(boundary=True),
        "*",
        [],
        [ALLOW_EC2],
        [ALLOW_EC2],
        ALLOWED,
    ),
    # naming someone else grants this caller nothing
    (
        "other-user",
        user(),
        f"arn:aws:iam::{ACCOUNT}:user/bob",
        [],
        None,
        None,
        implicit(PolicyType.IDENTITY),
    ),
    (
        "other-role-session",
        role_session(),
        f"arn:aws:sts::{ACCOUNT}:assumed-role/app/other",
        [],
        None,
        None,
        implicit(PolicyType.IDENTITY),
    ),
    # "When you assume a role ... the principal making the request is the IAM role session
    # ARN and not the ARN of the role itself" -- but the role ARN does name its sessions.
    (
        "role-path-must-match",
        role_session(),
        f"arn:aws:iam::{ACCOUNT}:role/other/app",
        [],
        None,
        None,
        implicit(PolicyType.IDENTITY),
    ),
]


@pytest.mark.parametrize(
    ("caller", "principal", "identity", "boundary", "session", "expected"),
    [pytest.param(*c[1:], id=c[0]) for c in SAME_ACCOUNT_CASES],
)
def test_same_account_resource_policy(
    caller: Any, principal: str, identity: list[str], boundary: Any, session: Any, expected: Any
) -> None:
    d = decide(
        caller,
        ACTION,
        BUCKET,
        identity=identity,
        boundary=boundary,
        session=session,
        resource_policy=bucket_policy(principal),
        resource_account=ACCOUNT,
    )
    assert summary(d) == expected, DENYALLOW


def test_identity_or_resource_policy_suffices_in_one_account() -> None:
    # SINGLE: "If either the identity-based policy or the resource-based policy within the
    # same account allows the request and the other doesn't, the request is still allowed."
    carlos = user("carlossalazar")
    bucket = doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/carlossalazar"},
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"],
        }
    )
    obj = "arn:aws:s3:::carlossalazar/file"
    assert decide(carlos, "s3:PutObject", obj, resource_policy=bucket).allowed
    assert decide(carlos, "s3:PutObject", obj, identity=[ALLOW_S3]).allowed
    assert decide(carlos, "s3:PutObject", obj, identity=[ALLOW_S3], resource_policy=bucket).allowed


def test_resource_policy_statement_must_match_resource_and_action() -> None:
    policy = bucket_policy(f"arn:aws:iam::{ACCOUNT}:user/alice")
    assert not decide(user(), ACTION, "arn:aws:s3:::other/key", resource_policy=policy).allowed
    assert not decide(user(), "ec2:RunInstances", BUCKET, resource_policy=policy).allowed


def test_resource_policy_conditions_apply() -> None:
    policy = bucket_policy("*", Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})
    assert decide(
        user(), ACTION, BUCKET, resource_policy=policy, context={"aws:SourceIp": "203.0.113.5"}
    ).allowed
    assert not decide(
        user(), ACTION, BUCKET, resource_policy=policy, context={"aws:SourceIp": "198.51.100.5"}
    ).allowed


def test_resource_policy_deny_naming_the_account_denies_its_users() -> None:
    policy = doc(allow(Principal="*"), deny(Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))
    d = decide(user(), ACTION, BUCKET, identity=[ALLOW_ALL], resource_policy=policy)
    assert summary(d) == explicit(PolicyType.RESOURCE), PRINCIPAL


# -- permissions boundaries -----------------------------------------------------------------------


def test_shirley_boundary_example() -> None:
    # BOUNDARIES: the boundary allows s3/cloudwatch/ec2; an identity policy allowing
    # iam:CreateUser does not let ShirleyRodriguez create users.
    shirley = user("ShirleyRodriguez", boundary=True)
    boundary = [doc(allow(["s3:*", "cloudwatch:*", "ec2:*"]))]
    identity = [doc(allow("iam:CreateUser"))]
    d = decide(shirley, "iam:CreateUser", identity=identity, boundary=boundary)
    assert summary(d) == implicit(PolicyType.BOUNDARY), BOUNDARIES
    # "it limits the user's permissions but does not provide permissions on its own"
    d = decide(shirley, "s3:ListAllMyBuckets", identity=identity, boundary=boundary)
    assert summary(d) == implicit(PolicyType.IDENTITY), BOUNDARIES
    both = decide(shirley, "ec2:RunInstances", identity=[ALLOW_EC2], boundary=boundary)
    assert both.allowed, BOUNDARIES


def test_boundary_explicit_deny() -> None:
    # BOUNDARIES: XCompanyBoundaries' DenyS3Logs
    boundary = [
        doc(
            allow(["s3:*", "cloudwatch:*", "ec2:*", "dynamodb:*"]),
            deny("s3:*", ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"]),
        )
    ]
    d = decide(
        user(boundary=True),
        "s3:GetObject",
        "arn:aws:s3:::logs/x",
        identity=[ALLOW_ALL],
        boundary=boundary,
    )
    assert summary(d) == explicit(PolicyType.BOUNDARY), BOUNDARIES


def test_boundary_with_variables_example() -> None:
    # BOUNDARIES: AllowManageOwnPasswordAndAccessKeys on "arn:aws:iam::*:user/${aws:username}"
    boundary = [
        doc(
            {
                "Effect": "Allow",
                "Action": ["iam:*AccessKey*", "iam:ChangePassword"],
                "Resource": ["arn:aws:iam::*:user/${aws:username}"],
            }
        )
    ]
    me = f"arn:aws:iam::{ACCOUNT}:user/zhang"
    them = f"arn:aws:iam::{ACCOUNT}:user/maria"
    ctx = {"aws:username": "zhang"}
    caller = user("zhang", boundary=True)
    assert decide(
        caller, "iam:CreateAccessKey", me, identity=[ALLOW_ALL], boundary=boundary, context=ctx
    ).allowed
    assert not decide(
        caller, "iam:CreateAccessKey", them, identity=[ALLOW_ALL], boundary=boundary, context=ctx
    ).allowed


# -- session policies -----------------------------------------------------------------------------


def test_session_policy_intersects_identity() -> None:
    # SESSION: "The permissions for a session are the intersection of the identity-based
    # policies for the IAM entity ... and the session policies."
    s = role_session()
    assert decide(s, ACTION, BUCKET, identity=[ALLOW_ALL], session=[ALLOW_S3]).allowed
    assert summary(
        decide(s, ACTION, BUCKET, identity=[ALLOW_ALL], session=[ALLOW_EC2])
    ) == implicit(PolicyType.SESSION)
    assert summary(decide(s, ACTION, BUCKET, identity=[ALLOW_EC2], session=[ALLOW_S3])) == implicit(
        PolicyType.IDENTITY
    )


def test_session_policies_grant_nothing_themselves() -> None:
    # "You cannot use session policies to grant more permissions than those allowed by the
    # identity-based policy of the role that is being assumed."
    assert not decide(role_session(), ACTION, BUCKET, session=[ALLOW_ALL]).allowed, SESSION


def test_any_session_policy_may_allow() -> None:
    # Several managed session policies (PolicyArns) and the inline one: any may allow.
    assert decide(
        role_session(), ACTION, BUCKET, identity=[ALLOW_ALL], session=[ALLOW_EC2, ALLOW_S3]
    ).allowed


def test_role_session_without_session_policy() -> None:
    # DENYALLOW, session step: "If there is no session policy, the code checks whether the
    # principal is a role session. If the principal is a role session, then the request is
    # Allowed."
    assert decide(role_session(), ACTION, BUCKET, identity=[ALLOW_ALL]).allowed, DENYALLOW


def test_federated_user_without_session_policy() -> None:
    # DENYALLOW: "... Otherwise, the request is implicitly denied" -- a GetFederationToken
    # session made without policies has none (an empty session group in the engine).
    d = decide(federated_user(), ACTION, BUCKET, identity=[ALLOW_ALL], session=[])
    assert summary(d) == implicit(PolicyType.SESSION), DENYALLOW


def test_session_boundary_and_identity_all_apply() -> None:
    # BOUNDARIES: "The effective permissions for this set of policy types are everything that
    # is allowed by all three types."
    s = role_session(boundary=True)
    kw: dict[str, Any] = {"identity": [ALLOW_ALL], "boundary": [ALLOW_S3], "session": [ALLOW_S3]}
    assert decide(s, ACTION, BUCKET, **kw).allowed
    assert summary(decide(s, ACTION, BUCKET, **{**kw, "boundary": [ALLOW_EC2]})) == implicit(
        PolicyType.BOUNDARY
    )
    assert summary(decide(s, ACTION, BUCKET, **{**kw, "session": [ALLOW_EC2]})) == implicit(
        PolicyType.SESSION
    )


# -- SCPs and RCPs --------------------------------------------------------------------------------


def test_scp_must_allow_at_every_level() -> None:
    # SCPS: "for a permission to be allowed for a specific account, there must be an explicit
    # Allow statement at every level from the root through each OU in the direct path to the
    # account (including the target account itself)"
    u = user()
    root_level, ou_level, account_level = [ALLOW_ALL], [ALLOW_S3], [ALLOW_ALL]
    assert decide(
        u, ACTION, BUCKET, identity=[ALLOW_ALL], scps=[root_level, ou_level, account_level]
    ).allowed
    d = decide(
        u, ACTION, BUCKET, identity=[ALLOW_ALL], scps=[root_level, [ALLOW_EC2], account_level]
    )
    assert summary(d) == implicit(PolicyType.SCP), SCPS


def test_scp_grants_nothing_itself() -> None:
    # SCPS: "SCPs alone are not sufficient to granting permissions"
    d = decide(user(), ACTION, BUCKET, scps=[[ALLOW_ALL]])
    assert summary(d) == implicit(PolicyType.IDENTITY), SCPS


def test_scp_limits_resource_policy_grants_too() -> None:
    # EVAL (SCPs): "identity-based and resource-based policies grant permissions to principals
    # in member accounts only if those policies and the SCP allow the action."
    d = decide(user(), ACTION, BUCKET, resource_policy=bucket_policy("*"), scps=[[ALLOW_EC2]])
    assert summary(d) == implicit(PolicyType.SCP), EVAL


def test_scp_limits_root() -> None:
    d = decide(root(), ACTION, BUCKET, scps=[[ALLOW_EC2]])
    assert summary(d) == implicit(PolicyType.SCP), SCPS
    assert decide(root(), ACTION, BUCKET, scps=[[ALLOW_S3]]).allowed


def test_rcp_must_allow() -> None:
    # RCPS: "If an RCP doesn't allow an action ... the request is denied"; every level.
    rcp_all = [doc(allow(Principal="*"))]
    rcp_ec2 = [doc(allow("ec2:*", Principal="*"))]
    u = user()
    assert decide(u, ACTION, BUCKET, identity=[ALLOW_ALL], rcps=[rcp_all, rcp_all]).allowed
    d = decide(u, ACTION, BUCKET, identity=[ALLOW_ALL], rcps=[rcp_all, rcp_ec2])
    assert summary(d) == implicit(PolicyType.RCP), RCPS


def test_rcp_deny_applies_to_callers_from_other_accounts() -> None:
    # RCPS: RCPs apply to the resources of the account whoever asks.
    rcp = [
        doc(
            allow(Principal="*"),
            deny(
                Principal="*",
                Condition={"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-123"}},
            ),
        )
    ]
    outsider = user("eve", OTHER)
    d = decide(
        outsider,
        ACTION,
        BUCKET,
        identity=[ALLOW_ALL],
        resource_policy=bucket_policy("*"),
        resource_account=ACCOUNT,
        rcps=[rcp],
        context={"aws:PrincipalOrgID": "o-999"},
    )
    assert summary(d) == explicit(PolicyType.RCP), RCPS


def test_rcp_limits_root() -> None:
    d = decide(root(), ACTION, BUCKET, rcps=[[doc(allow("ec2:*", Principal="*"))]])
    assert summary(d) == implicit(PolicyType.RCP), RCPS


# -- cross-account --------------------------------------------------------------------------------

OUTSIDER = user("bob", OTHER)


def cross(caller: Any = OUTSIDER, **kwargs: Any) -> Decision:
    return decide(caller, ACTION, BUCKET, resource_account=ACCOUNT, **kwargs)


def test_cross_account_needs_both_sides() -> None:
    # CROSS: "The request is allowed only if both evaluations return a decision of Allow."
    grant = bucket_policy(OTHER)
    assert cross(identity=[ALLOW_S3], resource_policy=grant).allowed
    assert summary(cross(resource_policy=grant)) == implicit(PolicyType.IDENTITY), CROSS
    assert summary(cross(identity=[ALLOW_S3])) == implicit(PolicyType.RESOURCE), CROSS
    assert summary(cross(identity=[ALLOW_S3], resource_policy=bucket_policy(ACCOUNT))) == implicit(
        PolicyType.RESOURCE
    )


def test_cross_account_without_any_resource_policy() -> None:
    # CROSS: the trusting account has nothing that allows -- identity policies alone never
    # reach into another account.
    assert summary(cross(identity=[ALLOW_ALL])) == implicit(PolicyType.RESOURCE), CROSS


@pytest.mark.parametrize(
    "principal",
    [OTHER, f"arn:aws:iam::{OTHER}:root", f"arn:aws:iam::{OTHER}:user/bob", "*"],
)
def test_cross_account_principal_forms(principal: str) -> None:
    # CROSS: "You can specify the entire account or its IAM users, federated users, IAM
    # roles, or assumed-role sessions."
    assert cross(identity=[ALLOW_S3], resource_policy=bucket_policy(principal)).allowed, CROSS


def test_cross_account_boundary_and_session_still_limit() -> None:
    # CROSS: the trusted account's side "checks the identity-based policy and any policies
    # that can limit an identity-based policy".
    session = role_session("auditor", "s", OTHER, boundary=True)
    grant = bucket_policy(f"arn:aws:sts::{OTHER}:assumed-role/auditor/s")
    assert cross(session, identity=[ALLOW_ALL], boundary=[ALLOW_ALL], resource_policy=grant).allowed
    d = cross(session, identity=[ALLOW_ALL], boundary=[ALLOW_EC2], resource_policy=grant)
    assert summary(d) == implicit(PolicyType.BOUNDARY), CROSS
    d = cross(session, identity=[ALLOW_ALL], session=[ALLOW_EC2], resource_policy=grant)
    assert summary(d) == implicit(PolicyType.SESSION), CROSS


def test_cross_account_role_grant_does_not_replace_identity_policy() -> None:
    # Across accounts a grant to the role ARN is only the trusting account's half; the
    # missing half is the caller's identity-based policy, so AWS's message names it.
    session = role_session("auditor", "s", OTHER)
    grant = bucket_policy(f"arn:aws:iam::{OTHER}:role/auditor")
    assert summary(cross(session, resource_policy=grant)) == implicit(PolicyType.IDENTITY), CROSS


def test_cross_account_root() -> None:
    # CROSS + EVAL: the root user has full access in its own account's evaluation, so a
    # bucket policy that grants its account is all it needs; without one it is denied.
    outsider_root = root(OTHER)
    assert cross(outsider_root, resource_policy=bucket_policy(OTHER)).allowed
    assert summary(cross(outsider_root)) == implicit(PolicyType.RESOURCE)
    assert summary(cross(outsider_root, resource_policy=bucket_policy(ACCOUNT))) == implicit(
        PolicyType.RESOURCE
    )


def test_cross_account_scp_of_the_caller_applies() -> None:
    d = cross(identity=[ALLOW_ALL], resource_policy=bucket_policy(OTHER), scps=[[ALLOW_EC2]])
    assert summary(d) == implicit(PolicyType.SCP), SCPS


def test_cross_account_explicit_deny_on_either_side() -> None:
    grant = bucket_policy(OTHER)
    d = cross(identity=[ALLOW_ALL, DENY_ALL], resource_policy=grant)
    assert summary(d) == explicit(PolicyType.IDENTITY)
    d = cross(
        identity=[ALLOW_ALL],
        resource_policy=doc(
            allow(Principal={"AWS": OTHER}),
            deny(Principal={"AWS": f"arn:aws:iam::{OTHER}:user/bob"}),
        ),
    )
    assert summary(d) == explicit(PolicyType.RESOURCE), CROSS


# -- role trust policies (resource-based policies that must allow) --------------------------------


TRUST = PolicyKind.TRUST
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/target"


def assume(caller: Any, trust: str, **kwargs: Any) -> Decision:
    return decide(
        caller,
        "sts:AssumeRole",
        ROLE_ARN,
        resource_policy=trust,
        resource_kind=TRUST,
        required=True,
        **kwargs,
    )


def trust_policy(principal: str) -> str:
    return doc({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"})


def test_trust_policy_must_allow_even_in_one_account() -> None:
    # DENYALLOW: "IAM role trust policies and KMS key policies are exceptions to this logic,
    # because they must explicitly allow access for principals."
    trust = trust_policy(f"arn:aws:iam::{ACCOUNT}:user/bob")
    d = assume(user(), trust, identity=[ALLOW_ALL])
    assert summary(d) == implicit(PolicyType.RESOURCE), DENYALLOW


def test_trust_policy_naming_the_account_needs_identity_permission() -> None:
    trust = trust_policy(f"arn:aws:iam::{ACCOUNT}:root")
    assert summary(assume(user(), trust)) == implicit(PolicyType.IDENTITY)
    assert assume(user(), trust, identity=[doc(allow("sts:AssumeRole", ROLE_ARN))]).allowed


def test_trust_policy_naming_the_user_suffices_in_one_account() -> None:
    assert assume(user(), trust_policy(f"arn:aws:iam::{ACCOUNT}:user/alice")).allowed, DENYALLOW


def test_trust_policy_across_accounts_needs_identity_permission() -> None:
    trust = trust_policy(f"arn:aws:iam::{OTHER}:user/bob")
    assert summary(assume(OUTSIDER, trust, resource_account=ACCOUNT)) == implicit(
        PolicyType.IDENTITY
    ), CROSS
    assert assume(
        OUTSIDER, trust, resource_account=ACCOUNT, identity=[doc(allow("sts:AssumeRole"))]
    ).allowed


def test_service_principal_in_trust_policy() -> None:
    trust = doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": ["ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com"]},
            "Action": "sts:AssumeRole",
        }
    )
    assert assume(service("ecs.amazonaws.com"), trust, resource_account=ACCOUNT).allowed, PRINCIPAL
    assert not assume(service("lambda.amazonaws.com"), trust, resource_account=ACCOUNT).allowed


# -- NotPrincipal ---------------------------------------------------------------------------------


BOB = f"arn:aws:iam::{OTHER}:user/Bob"
NOT_BOB = doc(
    allow(Principal="*"),
    {
        "Effect": "Deny",
        "NotPrincipal": {"AWS": [BOB, f"arn:aws:iam::{OTHER}:root"]},
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::BUCKETNAME", "arn:aws:s3:::BUCKETNAME/*"],
    },
)
OBJECT = "arn:aws:s3:::BUCKETNAME/x"


def test_not_principal_deny_spares_the_named_principal() -> None:
    # NOTPRINCIPAL: "all principals except the user named Bob in AWS account 444455556666 are
    # explicitly denied access to a resource"
    bob = user("Bob", OTHER)
    d = decide(
        bob, ACTION, OBJECT, identity=[ALLOW_ALL], resource_policy=NOT_BOB, resource_account=ACCOUNT
    )
    assert d.allowed, NOTPRINCIPAL
    alice = user("alice", ACCOUNT)
    d = decide(
        alice,
        ACTION,
        OBJECT,
        identity=[ALLOW_ALL],
        resource_policy=NOT_BOB,
        resource_account=ACCOUNT,
    )
    assert summary(d) == explicit(PolicyType.RESOURCE), NOTPRINCIPAL


def test_not_principal_deny_always_applies_to_principals_with_a_boundary() -> None:
    # BOUNDARIES "Important": "The NotPrincipal element with a Deny effect will always deny any
    # IAM principal that has a permissions boundary policy attached, regardless of the values
    # specified in the NotPrincipal element."
    bob = user("Bob", OTHER, boundary=True)
    d = decide(
        bob,
        ACTION,
        OBJECT,
        identity=[ALLOW_ALL],
        boundary=[ALLOW_ALL],
        resource_policy=NOT_BOB,
        resource_account=ACCOUNT,
    )
    assert summary(d) == explicit(PolicyType.RESOURCE), BOUNDARIES


def test_not_principal_role_session_example() -> None:
    # NOTPRINCIPAL: the assumed-role user, its role and its account are all named.
    policy = doc(
        allow(Principal="*"),
        {
            "Effect": "Deny",
            "NotPrincipal": {
                "AWS": [
                    f"arn:aws:sts::{OTHER}:assumed-role/cross-account-read-only-role/cross-account-audit-app",
                    f"arn:aws:iam::{OTHER}:role/cross-account-read-only-role",
                    f"arn:aws:iam::{OTHER}:root",
                ]
            },
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::Bucket_AccountAudit", "arn:aws:s3:::Bucket_AccountAudit/*"],
        },
    )
    app = role_session("cross-account-read-only-role", "cross-account-audit-app", OTHER)
    d = decide(
        app,
        ACTION,
        "arn:aws:s3:::Bucket_AccountAudit/x",
        identity=[ALLOW_ALL],
        resource_policy=policy,
        resource_account=ACCOUNT,
    )
    assert d.allowed, NOTPRINCIPAL


def test_not_principal_allow_grants_everyone_else() -> None:
    # NOTPRINCIPAL: "Doing so allows all principals except the one named in the NotPrincipal
    # element."
    policy = doc(
        {
            "Effect": "Allow",
            "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/bob"},
            "Action": "s3:*",
            "Resource": "*",
        }
    )
    assert decide(user("alice"), ACTION, BUCKET, resource_policy=policy).allowed
    assert not decide(user("bob"), ACTION, BUCKET, resource_policy=policy).allowed


# -- "*" and service principals -------------------------------------------------------------------


def test_star_deny_covers_services_unless_exempted() -> None:
    # PRINCIPAL ("All principals") with the aws:PrincipalIsAWSService exemption AWS documents
    # for "Principal": "*" denies: a "*" Deny reaches service principals too.
    cloudtrail = service("cloudtrail.amazonaws.com")
    grant = {
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::bucket/*",
    }
    blanket = deny(
        "s3:*",
        "arn:aws:s3:::bucket/*",
        Principal="*",
        Condition={"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    )
    exempt = dict(
        blanket, Condition={**blanket["Condition"], "Bool": {"aws:PrincipalIsAWSService": "false"}}
    )
    ctx = {"aws:SourceIp": "192.0.2.1", "aws:PrincipalIsAWSService": "true"}
    kw: dict[str, Any] = {"resource_account": ACCOUNT, "context": ctx}
    assert summary(
        decide(cloudtrail, "s3:PutObject", BUCKET, resource_policy=doc(grant, blanket), **kw)
    ) == explicit(PolicyType.RESOURCE)
    assert decide(
        cloudtrail, "s3:PutObject", BUCKET, resource_policy=doc(grant, exempt), **kw
    ).allowed


def test_service_principal_needs_a_resource_policy() -> None:
    assert not decide(service(), "s3:PutObject", BUCKET, resource_account=ACCOUNT).allowed


# -- messages -------------------------------------------------------------------------------------


HEAD = (
    "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: s3:GetObject "
    "on resource: arn:aws:s3:::bucket/key "
)


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        (
            Decision(Outcome.IMPLICIT_DENY, PolicyType.IDENTITY),
            HEAD + "because no identity-based policy allows the s3:GetObject action",
        ),
        (
            Decision(Outcome.EXPLICIT_DENY, PolicyType.SCP),
            HEAD + "with an explicit deny in a service control policy",
        ),
        (
            Decision(Outcome.EXPLICIT_DENY, PolicyType.IDENTITY),
            HEAD + "with an explicit deny in an identity-based policy",
        ),
        (
            Decision(Outcome.IMPLICIT_DENY, PolicyType.BOUNDARY),
            HEAD + "because no permissions boundary allows the s3:GetObject action",
        ),
        (
            Decision(Outcome.IMPLICIT_DENY, PolicyType.SESSION),
            HEAD + "because no session policy allows the s3:GetObject action",
        ),
        (
            Decision(Outcome.IMPLICIT_DENY, PolicyType.RESOURCE),
            HEAD + "because no resource-based policy allows the s3:GetObject action",
        ),
        (
            Decision(Outcome.EXPLICIT_DENY, PolicyType.RCP),
            HEAD + "with an explicit deny in a resource control policy",
        ),
    ],
)
def test_access_denied_messages(decision: Decision, message: str) -> None:
    # TROUBLESHOOT: "... is not authorized to perform: codecommit:ListRepositories because no
    # identity-based policy allows the codecommit:ListRepositories action" and "... with an
    # explicit deny in a service control policy".
    assert decision.message(user().arn, ACTION, BUCKET) == message, TROUBLESHOOT


def test_message_of_a_real_decision() -> None:
    d = decide(user(), ACTION, BUCKET, identity=[ALLOW_ALL], scps=[[ALLOW_ALL, DENY_ALL]])
    assert d.message(user().arn, ACTION, BUCKET).endswith(
        "with an explicit deny in a service control policy"
    )
