"""Action and resource matching.

Actions: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
  - prefix and action name are case-insensitive; ``*`` and ``?`` anywhere.
Resources: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
  - ARNs are case-sensitive ("the IAM user name is case sensitive");
  - ``*``/``?`` work within one colon-separated segment; a ``*`` in the last segment
    (the resource id, which may itself contain colons) matches past colons.
ARN condition operators follow the same component rule:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
"""

from __future__ import annotations

import pytest

from .helpers import ACCOUNT, allow, decide, deny, doc, user

ACTION = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html"
NOTACTION = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html"
)
RESOURCE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html"
)
NOTRESOURCE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html"
)
ARN_OPS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN"
S3_ACTIONS = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html"


def action_allowed(pattern: str | list[str], action: str, *, not_action: bool = False) -> bool:
    key = "NotAction" if not_action else "Action"
    statement = {"Effect": "Allow", key: pattern, "Resource": "*"}
    return decide(user(), action, "*", identity=[doc(statement)]).allowed


ACTION_CASES = [
    (ACTION, "ec2:StartInstances", "ec2:StartInstances", True),
    (ACTION, "ec2:StartInstances", "ec2:StopInstances", False),
    # "The prefix and the action name are case insensitive. For example, iam:ListAccessKeys
    # is the same as IAM:listaccesskeys."
    (ACTION, "IAM:listaccesskeys", "iam:ListAccessKeys", True),
    (ACTION, "iam:ListAccessKeys", "IAM:LISTACCESSKEYS", True),
    (ACTION, "s3:*", "s3:GetObject", True),
    (ACTION, "s3:*", "s3express:CreateSession", False),
    (ACTION, "iam:*AccessKey*", "iam:CreateAccessKey", True),
    (ACTION, "iam:*AccessKey*", "iam:ListAccessKeys", True),
    (ACTION, "iam:*AccessKey*", "iam:ListUsers", False),
    (ACTION, "*", "anything:AtAll", True),
    (ACTION, "s3:Get*", "s3:GetObjectVersion", True),
    (ACTION, "s3:Get*", "s3:PutObject", False),
    # ? is exactly one character
    (ACTION, "ec2:Describe?ags", "ec2:DescribeTags", True),
    (ACTION, "ec2:Describe?ags", "ec2:DescribeTTags", False),
    (ACTION, "ec2:Describe?ags", "ec2:Describeags", False),
    # a * in the prefix covers every service
    (ACTION, "*:Get*", "dynamodb:GetItem", True),
    # a list is OR
    (ACTION, ["sqs:SendMessage", "sqs:ReceiveMessage"], "sqs:ReceiveMessage", True),
    (ACTION, ["sqs:SendMessage", "sqs:ReceiveMessage"], "sqs:DeleteMessage", False),
    # the whole action must match, not a substring
    (ACTION, "s3:Get", "s3:GetObject", False),
    (ACTION, "3:GetObject", "s3:GetObject", False),
]


@pytest.mark.parametrize(("page", "pattern", "action", "expected"), ACTION_CASES)
def test_action_matching(page: str, pattern: str | list[str], action: str, expected: bool) -> None:
    assert action_allowed(pattern, action) is expected, page


NOT_ACTION_CASES = [
    # NotAction with Allow: everything except the listed actions.
    (NOTACTION, "iam:*", "iam:CreateUser", False),
    (NOTACTION, "iam:*", "s3:GetObject", True),
    (NOTACTION, ["s3:*", "ec2:*"], "EC2:RunInstances", False),
    (NOTACTION, ["s3:*", "ec2:*"], "sns:Publish", True),
]


@pytest.mark.parametrize(("page", "pattern", "action", "expected"), NOT_ACTION_CASES)
def test_not_action(page: str, pattern: str | list[str], action: str, expected: bool) -> None:
    assert action_allowed(pattern, action, not_action=True) is expected, page


def test_not_action_with_deny_denies_everything_else() -> None:
    # reference_policies_elements_notaction: "Deny" + "NotAction": "iam:*" with a
    # MultiFactorAuthPresent condition denies everything *except* IAM without MFA.
    policy = doc(
        allow("*", "*"),
        {
            "Effect": "Deny",
            "NotAction": "iam:*",
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        },
    )
    no_mfa = {"aws:MultiFactorAuthPresent": "false"}
    assert decide(user(), "iam:ListUsers", identity=[policy], context=no_mfa).allowed
    assert not decide(user(), "s3:ListAllMyBuckets", identity=[policy], context=no_mfa).allowed
    assert decide(
        user(),
        "s3:ListAllMyBuckets",
        identity=[policy],
        context={"aws:MultiFactorAuthPresent": "true"},
    ).allowed, NOTACTION


def resource_allowed(
    pattern: str | list[str], resource: str, *, not_resource: bool = False
) -> bool:
    key = "NotResource" if not_resource else "Resource"
    statement = {"Effect": "Allow", "Action": "*", key: pattern}
    return decide(user(), "s3:GetObject", resource, identity=[doc(statement)]).allowed


RESOURCE_CASES = [
    (
        RESOURCE,
        "arn:aws:sqs:us-east-2:123456789012:queue1",
        "arn:aws:sqs:us-east-2:123456789012:queue1",
        True,
    ),
    (
        RESOURCE,
        "arn:aws:sqs:us-east-2:123456789012:queue1",
        "arn:aws:sqs:us-east-2:123456789012:queue2",
        False,
    ),
    # "In the Resource element, the IAM user name is case sensitive."
    (RESOURCE, "arn:aws:iam::123456789012:user/Bob", "arn:aws:iam::123456789012:user/Bob", True),
    (RESOURCE, "arn:aws:iam::123456789012:user/Bob", "arn:aws:iam::123456789012:user/bob", False),
    (
        RESOURCE,
        "arn:aws:iam::123456789012:user/accounting/*",
        "arn:aws:iam::123456789012:user/accounting/alice",
        True,
    ),
    (
        RESOURCE,
        "arn:aws:iam::123456789012:user/accounting/*",
        "arn:aws:iam::123456789012:user/accounting/eu/alice",
        True,
    ),
    (
        RESOURCE,
        "arn:aws:iam::123456789012:user/accounting/*",
        "arn:aws:iam::123456789012:user/marketing/alice",
        False,
    ),
    (
        RESOURCE,
        "arn:aws:s3:::my_corporate_bucket/*",
        "arn:aws:s3:::my_corporate_bucket/a/b/c.txt",
        True,
    ),
    (RESOURCE, "arn:aws:s3:::my_corporate_bucket/*", "arn:aws:s3:::my_corporate_bucket", False),
    (RESOURCE, "*", "arn:aws:s3:::anything", True),
    (RESOURCE, "*", "not even an arn", True),
    # "The asterisk (*) character can expand to replace everything within a segment,
    # including characters like a forward slash (/)" -- amzn-s3-demo-bucket/*/test/*
    (
        RESOURCE,
        "arn:aws:s3:::amzn-s3-demo-bucket/*/test/*",
        "arn:aws:s3:::amzn-s3-demo-bucket/1/test/object.jpg",
        True,
    ),
    (
        RESOURCE,
        "arn:aws:s3:::amzn-s3-demo-bucket/*/test/*",
        "arn:aws:s3:::amzn-s3-demo-bucket/1/2/test/3/object.jpg",
        True,
    ),
    (
        RESOURCE,
        "arn:aws:s3:::amzn-s3-demo-bucket/*/test/*",
        "arn:aws:s3:::amzn-s3-demo-bucket//test/object.jpg",
        True,
    ),
    (
        RESOURCE,
        "arn:aws:s3:::amzn-s3-demo-bucket/*/test/*",
        "arn:aws:s3:::amzn-s3-demo-bucket/1/test/",
        True,
    ),
    (
        RESOURCE,
        "arn:aws:s3:::amzn-s3-demo-bucket/*/test/*",
        "arn:aws:s3:::amzn-s3-demo-bucket/test/object.jpg",
        False,
    ),
    (
        RESOURCE,
        "arn:aws:s3:::amzn-s3-demo-bucket/*/test/*",
        "arn:aws:s3:::amzn-s3-demo-bucket/1-test/object.jpg",
        False,
    ),
    (
        RESOURCE,
        "arn:aws:s3:::amzn-s3-demo-bucket/*/test/*",
        "arn:aws:s3:::amzn-s3-demo-bucket/1/2/test.jpg",
        False,
    ),
    # ? is one character of a segment
    (RESOURCE, "arn:aws:s3:::b?cket/*", "arn:aws:s3:::bucket/k", True),
    (RESOURCE, "arn:aws:s3:::b?cket/*", "arn:aws:s3:::bcket/k", False),
    # Wildcards in the region/account segments stay within their segment.
    (
        RESOURCE,
        "arn:aws:ec2:*:123456789012:instance/*",
        "arn:aws:ec2:us-east-1:123456789012:instance/i-1",
        True,
    ),
    (
        RESOURCE,
        "arn:aws:ec2:*:123456789012:instance/*",
        "arn:aws:ec2:us-east-1:999999999999:instance/i-1",
        False,
    ),
    (
        RESOURCE,
        "arn:aws:ec2:us-*:*:instance/*",
        "arn:aws:ec2:us-east-1:123456789012:instance/i-1",
        True,
    ),
    (
        RESOURCE,
        "arn:aws:ec2:us-*:*:instance/*",
        "arn:aws:ec2:eu-west-1:123456789012:instance/i-1",
        False,
    ),
    (RESOURCE, "arn:aws:*:*:123456789012:*", "arn:aws:sqs:us-east-2:123456789012:queue1", True),
    # the ARN condition operators' example, applied to a Resource: the region wildcard
    # cannot swallow "us-east-2:999999999999:store/abc:"
    (
        ARN_OPS,
        "arn:aws:someservice:*:111122223333:finance/*",
        "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt",
        False,
    ),
    # ... while a * in the resource segment runs past colons (the resource id of some
    # services contains colons).
    (
        RESOURCE,
        "arn:aws:ssm:us-east-1:123456789012:parameter/*",
        "arn:aws:ssm:us-east-1:123456789012:parameter/a:b",
        True,
    ),
    (
        RESOURCE,
        "arn:aws:logs:us-east-1:123456789012:log-group:*",
        "arn:aws:logs:us-east-1:123456789012:log-group:g:log-stream:s",
        True,
    ),
    (RESOURCE, "arn:aws:s3:::*", "arn:aws:s3:::bucket/with:colon", True),
    # Service, partition and account are compared case-sensitively as well.
    (RESOURCE, "arn:aws:S3:::bucket", "arn:aws:s3:::bucket", False),
    # a list is OR
    (RESOURCE, ["arn:aws:s3:::a", "arn:aws:s3:::b/*"], "arn:aws:s3:::b/key", True),
    (RESOURCE, ["arn:aws:s3:::a", "arn:aws:s3:::b/*"], "arn:aws:s3:::c/key", False),
    # literal characters that mean something to regular expressions mean nothing here
    (RESOURCE, "arn:aws:s3:::b.c/(x)+", "arn:aws:s3:::b.c/(x)+", True),
    (RESOURCE, "arn:aws:s3:::b.c/(x)+", "arn:aws:s3:::bxc/(x)+", False),
]


@pytest.mark.parametrize(("page", "pattern", "resource", "expected"), RESOURCE_CASES)
def test_resource_matching(
    page: str, pattern: str | list[str], resource: str, expected: bool
) -> None:
    assert resource_allowed(pattern, resource) is expected, page


NOT_RESOURCE_CASES = [
    (
        NOTRESOURCE,
        "arn:aws:s3:::HRBucket/Payroll/*",
        "arn:aws:s3:::HRBucket/Payroll/jan.csv",
        False,
    ),
    (NOTRESOURCE, "arn:aws:s3:::HRBucket/Payroll/*", "arn:aws:s3:::HRBucket/Other/jan.csv", True),
    (NOTRESOURCE, ["arn:aws:s3:::a", "arn:aws:s3:::b"], "arn:aws:s3:::b", False),
    (NOTRESOURCE, ["arn:aws:s3:::a", "arn:aws:s3:::b"], "arn:aws:s3:::c", True),
]


@pytest.mark.parametrize(("page", "pattern", "resource", "expected"), NOT_RESOURCE_CASES)
def test_not_resource(page: str, pattern: str | list[str], resource: str, expected: bool) -> None:
    assert resource_allowed(pattern, resource, not_resource=True) is expected, page


def test_not_resource_deny_example() -> None:
    # reference_policies_elements_notresource: deny everything outside one bucket.
    policy = doc(
        allow("s3:*", "*"),
        {
            "Effect": "Deny",
            "Action": "s3:*",
            "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"],
        },
    )
    inside = decide(user(), "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/x", identity=[policy])
    outside = decide(user(), "s3:GetObject", "arn:aws:s3:::Other/x", identity=[policy])
    assert inside.allowed and not outside.allowed, NOTRESOURCE


def test_statement_needs_action_and_resource_to_match() -> None:
    # reference_policies_evaluation-logic: a statement applies only when its action,
    # resource and condition all match the request.
    policy = doc(allow("s3:GetObject", "arn:aws:s3:::a/*"))
    assert decide(user(), "s3:GetObject", "arn:aws:s3:::a/k", identity=[policy]).allowed
    assert not decide(user(), "s3:PutObject", "arn:aws:s3:::a/k", identity=[policy]).allowed
    assert not decide(user(), "s3:GetObject", "arn:aws:s3:::b/k", identity=[policy]).allowed


def test_carlos_example() -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html
    # (identity-based policy of carlossalazar; the DenyS3Logs statement wins for *log*)
    policy = doc(
        {
            "Sid": "AllowS3ListRead",
            "Effect": "Allow",
            "Action": [
                "s3:GetBucketLocation",
                "s3:GetAccountPublicAccessBlock",
                "s3:ListAccessPoints",
                "s3:ListAllMyBuckets",
            ],
            "Resource": "arn:aws:s3:::*",
        },
        {
            "Sid": "AllowS3Self",
            "Effect": "Allow",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"],
        },
        {"Sid": "DenyS3Logs", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::*log*"},
    )
    carlos = user("carlossalazar", ACCOUNT)
    assert decide(carlos, "s3:PutObject", "arn:aws:s3:::carlossalazar/f", identity=[policy]).allowed
    logs = decide(carlos, "s3:PutObject", "arn:aws:s3:::carlossalazar-logs/f", identity=[policy])
    assert not logs.allowed and logs.outcome.value == "explicitDeny"
    assert decide(carlos, "s3:ListAllMyBuckets", "arn:aws:s3:::x", identity=[policy]).allowed


def test_explicit_and_implicit_deny_example() -> None:
    # reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay: AllowGetList +
    # DenyReports ("iam:*Report").
    policy = doc(
        {
            "Sid": "AllowGetList",
            "Effect": "Allow",
            "Action": ["iam:Get*", "iam:List*"],
            "Resource": "*",
        },
        {"Sid": "DenyReports", "Effect": "Deny", "Action": "iam:*Report", "Resource": "*"},
    )
    assert decide(user(), "iam:GetUser", identity=[policy]).allowed
    assert decide(user(), "iam:CreatePolicy", identity=[policy]).outcome.value == "implicitDeny"
    assert (
        decide(user(), "iam:GetOrganizationsAccessReport", identity=[policy]).outcome.value
        == "explicitDeny"
    )
    # "iam:GenerateCredentialReport" stays denied even if another policy allows it.
    extra = doc(allow("iam:GenerateCredentialReport"))
    assert (
        decide(user(), "iam:GenerateCredentialReport", identity=[policy, extra]).outcome.value
        == "explicitDeny"
    )


def test_deny_with_wildcard_resource_pattern() -> None:
    policy = doc(allow(), deny("ec2:*", "arn:aws:ec2:*:*:instance/i-1234567890abcdef0"))
    blocked = decide(
        user(),
        "ec2:StopInstances",
        "arn:aws:ec2:us-east-1:123456789012:instance/i-1234567890abcdef0",
        identity=[policy],
    )
    other = decide(
        user(),
        "ec2:StopInstances",
        "arn:aws:ec2:us-east-1:123456789012:instance/i-0",
        identity=[policy],
    )
    assert not blocked.allowed and other.allowed
