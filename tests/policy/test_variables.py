"""Policy variables: ``${aws:username}``, tags, defaults, ``${*}``/``${?}``/``${$}``.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
  - "In order to use policy variables, you must include the Version element ... set to
    2012-10-17 ... If you don't include the Version element ..., variables like
    ${aws:username} are treated as literal strings in the policy."
  - variables work in the Resource element and in string and ARN condition values;
  - "If AWS cannot resolve a variable, this might cause the entire statement to be invalid";
  - defaults: ``${aws:PrincipalTag/team, 'company-wide'}``;
  - ``${*}``, ``${?}``, ``${$}`` stand for the literal characters.
"""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import ACCOUNT, V2012, allow, decide, doc, user

VARIABLES = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"
INTRO = VARIABLES + "#policy-vars-intro"
RESOURCE_EL = VARIABLES + "#policy-vars-resourceelement"
CONDITION_EL = VARIABLES + "#policy-vars-conditionelement"
DEFAULTS = VARIABLES + "#policy-vars-default-values"
SPECIAL = VARIABLES + "#policy-vars-specialchars"
NO_VALUE = VARIABLES + "#policy-vars-no-value"

HOME = doc(
    {
        "Action": ["s3:ListBucket"],
        "Effect": "Allow",
        "Resource": ["arn:aws:s3:::mybucket"],
        "Condition": {"StringLike": {"s3:prefix": ["${aws:username}/*"]}},
    },
    {
        "Action": ["s3:GetObject", "s3:PutObject"],
        "Effect": "Allow",
        "Resource": ["arn:aws:s3:::mybucket/${aws:username}/*"],
    },
)


def allowed(policy: str, action: str, resource: str, context: dict[str, Any]) -> bool:
    return decide(user(), action, resource, identity=[policy], context=context).allowed


@pytest.mark.parametrize(
    ("resource", "context", "expected"),
    [
        ("arn:aws:s3:::mybucket/David/notes.txt", {"aws:username": "David"}, True),
        ("arn:aws:s3:::mybucket/Adele/notes.txt", {"aws:username": "David"}, False),
        # the substituted value is compared like the rest of the ARN: case-sensitively
        ("arn:aws:s3:::mybucket/david/notes.txt", {"aws:username": "David"}, False),
        # no user name in the request (e.g. a role session): the resource matches nothing
        ("arn:aws:s3:::mybucket/David/notes.txt", {}, False),
        # a multi-valued key cannot be substituted
        ("arn:aws:s3:::mybucket/David/notes.txt", {"aws:username": ["David", "Adele"]}, False),
    ],
)
def test_variable_in_resource(resource: str, context: dict[str, Any], expected: bool) -> None:
    assert allowed(HOME, "s3:GetObject", resource, context) is expected, RESOURCE_EL


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("David/", True), ("David/projects/", True), ("Adele/", False), ("", False)],
)
def test_variable_in_string_like_condition(prefix: str, expected: bool) -> None:
    context = {"aws:username": "David", "s3:prefix": prefix}
    assert allowed(HOME, "s3:ListBucket", "arn:aws:s3:::mybucket", context) is expected, INTRO


def test_substituted_value_is_literal_even_with_wildcard_characters() -> None:
    # A user name containing "*" must not turn into a wildcard.
    context = {"aws:username": "a*"}
    assert allowed(HOME, "s3:GetObject", "arn:aws:s3:::mybucket/a*/k", context)
    assert not allowed(HOME, "s3:GetObject", "arn:aws:s3:::mybucket/abc/k", context)


def test_queue_named_after_the_user() -> None:
    # RESOURCE_EL: "arn:aws:sqs:us-east-2:*:${aws:username}-queue"
    policy = doc(
        {"Sid": "ListForConsole", "Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*"},
        {
            "Sid": "AllQueueActions",
            "Effect": "Allow",
            "Action": "sqs:*",
            "Resource": "arn:aws:sqs:us-east-2:*:${aws:username}-queue",
        },
    )
    ctx = {"aws:username": "bob"}
    assert allowed(policy, "sqs:SendMessage", f"arn:aws:sqs:us-east-2:{ACCOUNT}:bob-queue", ctx)
    assert not allowed(
        policy, "sqs:SendMessage", f"arn:aws:sqs:us-east-2:{ACCOUNT}:alice-queue", ctx
    )
    assert not allowed(policy, "sqs:SendMessage", f"arn:aws:sqs:eu-west-1:{ACCOUNT}:bob-queue", ctx)


def test_tag_variable_in_resource() -> None:
    # RESOURCE_EL: "Resource": ["arn:aws:s3:::bucket/${aws:PrincipalTag/department}"]
    policy = doc(allow("s3:*", ["arn:aws:s3:::bucket/${aws:PrincipalTag/department}"]))
    ctx = {"aws:PrincipalTag/department": "hr"}
    assert allowed(policy, "s3:GetObject", "arn:aws:s3:::bucket/hr", ctx)
    assert not allowed(policy, "s3:GetObject", "arn:aws:s3:::bucket/it", ctx)


def test_variable_key_names_are_case_insensitive() -> None:
    policy = doc(allow("s3:*", "arn:aws:s3:::mybucket/${AWS:UserName}/*"))
    assert allowed(
        policy, "s3:GetObject", "arn:aws:s3:::mybucket/David/x", {"aws:username": "David"}
    )


@pytest.mark.parametrize("version", ["2008-10-17", None])
def test_variables_are_plain_text_before_2012(version: str | None) -> None:
    # INTRO note: without Version 2012-10-17, "${aws:username}" is a literal string.
    policy = doc(allow("s3:*", "arn:aws:s3:::mybucket/${aws:username}/*"), version=version)
    ctx = {"aws:username": "David"}
    assert not allowed(policy, "s3:GetObject", "arn:aws:s3:::mybucket/David/x", ctx)
    assert allowed(policy, "s3:GetObject", "arn:aws:s3:::mybucket/${aws:username}/x", ctx)


def test_condition_variables_are_plain_text_before_2012() -> None:
    cond = {"StringEquals": {"aws:PrincipalTag/owner": "${aws:username}"}}
    old = doc(allow(Condition=cond), version="2008-10-17")
    new = doc(allow(Condition=cond), version=V2012)
    ctx = {"aws:username": "bob", "aws:PrincipalTag/owner": "bob"}
    assert allowed(new, "ec2:StopInstances", "*", ctx)
    assert not allowed(old, "ec2:StopInstances", "*", ctx)
    assert allowed(old, "ec2:StopInstances", "*", {"aws:PrincipalTag/owner": "${aws:username}"})


@pytest.mark.parametrize(
    ("operator", "pattern", "value", "expected"),
    [
        # CONDITION_EL: string and ARN operators take variables
        ("StringEquals", "${aws:username}", "bob", True),
        ("StringEquals", "${aws:username}", "Bob", False),
        ("StringEqualsIgnoreCase", "${aws:username}", "BOB", True),
        ("StringLike", "https://example.com/${aws:username}/*", "https://example.com/bob/x", True),
        (
            "StringNotLike",
            "https://example.com/${aws:username}/*",
            "https://example.com/bob/x",
            False,
        ),
        ("StringNotEquals", "${aws:username}", "alice", True),
        (
            "ArnLike",
            "arn:aws:iam::*:user/${aws:username}",
            f"arn:aws:iam::{ACCOUNT}:user/bob",
            True,
        ),
        (
            "ArnEquals",
            "arn:aws:iam::*:user/${aws:username}",
            f"arn:aws:iam::{ACCOUNT}:user/alice",
            False,
        ),
        # "You can't use a policy variable with ... Numeric, Date, ... IP Address": the text
        # is no number, so it matches nothing.
        ("NumericEquals", "${aws:username}", "5", False),
    ],
)
def test_variables_in_condition_values(
    operator: str, pattern: str, value: str, expected: bool
) -> None:
    policy = doc(allow(Condition={operator: {"test:Key": pattern}}))
    ctx = {"aws:username": "bob", "test:Key": value}
    if operator == "NumericEquals":
        ctx["aws:username"] = "5"
    assert allowed(policy, "ec2:StopInstances", "*", ctx) is expected, CONDITION_EL


def test_sns_endpoint_example() -> None:
    # CONDITION_EL: SNS topic policy with "sns:endpoint": "https://example.com/${aws:username}/"
    from rolecall.policy import PolicyKind

    topic_policy = doc(
        {
            "Principal": {"AWS": "999999999999"},
            "Effect": "Allow",
            "Action": "sns:*",
            "Resource": "*",
            "Condition": {
                "StringLike": {"sns:endpoint": "https://example.com/${aws:username}/"},
                "StringEquals": {"sns:Protocol": "https"},
            },
        }
    )
    caller = user("bob", "999999999999")
    identity = [doc(allow("sns:*"))]
    ok = {
        "aws:username": "bob",
        "sns:endpoint": "https://example.com/bob/",
        "sns:Protocol": "https",
    }
    bad = {**ok, "sns:endpoint": "https://example.com/alice/"}
    http = {**ok, "sns:Protocol": "http"}
    for ctx, expected in ((ok, True), (bad, False), (http, False)):
        d = decide(
            caller,
            "sns:Subscribe",
            "arn:aws:sns:us-east-1:111122223333:topic",
            identity=identity,
            resource_policy=topic_policy,
            resource_kind=PolicyKind.RESOURCE,
            resource_account="111122223333",
            context=ctx,
        )
        assert d.allowed is expected


@pytest.mark.parametrize(
    ("context", "resource", "expected"),
    [
        # DEFAULTS: the default stands in when the key is missing ...
        ({}, "arn:aws:s3:::bucket/company-wide/x", True),
        # ... and only then
        ({"aws:PrincipalTag/team": "red"}, "arn:aws:s3:::bucket/company-wide/x", False),
        ({"aws:PrincipalTag/team": "red"}, "arn:aws:s3:::bucket/red/x", True),
    ],
)
def test_default_values(context: dict[str, Any], resource: str, expected: bool) -> None:
    policy = doc(allow("s3:*", "arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'company-wide'}/*"))
    assert allowed(policy, "s3:GetObject", resource, context) is expected, DEFAULTS


def test_default_value_in_condition() -> None:
    # DEFAULTS: "${aws:userid, 'anonymous'}"
    policy = doc(allow(Condition={"StringEquals": {"s3:prefix": "${aws:userid, 'anonymous'}"}}))
    assert allowed(policy, "s3:ListBucket", "*", {"s3:prefix": "anonymous"})
    assert not allowed(
        policy, "s3:ListBucket", "*", {"s3:prefix": "anonymous", "aws:userid": "AIDA1"}
    )


@pytest.mark.parametrize(
    ("resource_pattern", "resource", "expected"),
    [
        # SPECIAL: ${*} is a literal asterisk, not a wildcard
        ("arn:aws:s3:::bucket/${*}", "arn:aws:s3:::bucket/*", True),
        ("arn:aws:s3:::bucket/${*}", "arn:aws:s3:::bucket/anything", False),
        ("arn:aws:s3:::bucket/what${?}", "arn:aws:s3:::bucket/what?", True),
        ("arn:aws:s3:::bucket/what${?}", "arn:aws:s3:::bucket/whatx", False),
        ("arn:aws:s3:::bucket/${$}price", "arn:aws:s3:::bucket/$price", True),
        # plain wildcards next to the escapes still work
        ("arn:aws:s3:::bucket/${*}/*", "arn:aws:s3:::bucket/*/deep/key", True),
        ("arn:aws:s3:::bucket/${*}/*", "arn:aws:s3:::bucket/x/deep/key", False),
    ],
)
def test_special_characters(resource_pattern: str, resource: str, expected: bool) -> None:
    policy = doc(allow("s3:*", resource_pattern))
    assert allowed(policy, "s3:GetObject", resource, {}) is expected, SPECIAL


def test_special_characters_in_string_like() -> None:
    policy = doc(allow(Condition={"StringLike": {"s3:prefix": "literal${*}star*"}}))
    assert allowed(policy, "s3:ListBucket", "*", {"s3:prefix": "literal*star-and-more"})
    assert not allowed(policy, "s3:ListBucket", "*", {"s3:prefix": "literalXstar"})


def test_special_characters_are_plain_before_2012() -> None:
    # Under 2008-10-17 "${*}" is three characters, and its "*" is a wildcard.
    policy = doc(allow("s3:*", "arn:aws:s3:::bucket/${*}"), version="2008-10-17")
    assert allowed(policy, "s3:GetObject", "arn:aws:s3:::bucket/${anything}", {})
    assert not allowed(policy, "s3:GetObject", "arn:aws:s3:::bucket/*", {})


def test_unresolved_variable_invalidates_only_its_statement() -> None:
    # NO_VALUE / the intro's note: an unresolvable variable makes the statement not match;
    # other statements are unaffected.
    policy = doc(
        allow("s3:GetObject", "arn:aws:s3:::bucket/${aws:username}/*"),
        allow("s3:GetObject", "arn:aws:s3:::bucket/shared/*"),
    )
    assert allowed(policy, "s3:GetObject", "arn:aws:s3:::bucket/shared/x", {})
    assert not allowed(policy, "s3:GetObject", "arn:aws:s3:::bucket/bob/x", {})


def test_malformed_variable_syntax_is_plain_text() -> None:
    # "${" without a closing brace, or with no key name, is not a variable.
    policy = doc(allow("s3:*", ["arn:aws:s3:::bucket/${aws:username", "arn:aws:s3:::bucket/${}"]))
    assert allowed(
        policy, "s3:GetObject", "arn:aws:s3:::bucket/${aws:username", {"aws:username": "x"}
    )
    assert allowed(policy, "s3:GetObject", "arn:aws:s3:::bucket/${}", {})
