"""The policy simulator's pure parts: statement positions, inputs, results."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rolecall.iam.action_resources import resource_template
from rolecall.iam.policy_positions import Position, statement_span, statement_spans
from rolecall.iam.simulation import (
    BOUNDARY_SOURCE,
    IDENTITY_SOURCE,
    RESOURCE_SOURCE,
    SCP_SOURCE,
    Scenario,
    Simulator,
    sim_policy,
)
from rolecall.iam.simulation_inputs import (
    AWS_MANAGED,
    INLINE,
    USER_MANAGED,
    PolicyFacts,
    action_names,
    context_key_names,
    context_values,
    entity_arn,
    excluded,
    exclusions,
    resource_arns,
    resource_owner,
)
from rolecall.policy import Caller, CallerKind, PolicyKind, parse_policy
from rolecall.protocol.errors import InvalidInput

ACCOUNT = "111122223333"
OTHER = "444455556666"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"


def doc(*statements: dict[str, Any], version: str = "2012-10-17", **dumps: Any) -> str:
    return json.dumps({"Version": version, "Statement": list(statements)}, **dumps)


def allow(action: str = "s3:GetObject", resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str = "s3:GetObject", resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


# -- positions -------------------------------------------------------------------------


def test_single_statement_object_spans_its_braces() -> None:
    # The CLI documentation's example: the statement is a single object.
    text = (
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*",'
        '"Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}'
    )
    span = statement_span(text, 0)
    assert span is not None
    assert (span.start, span.end) == (Position(1, 38), Position(1, 167))


def test_array_elements_start_after_the_previous_token() -> None:
    # AdministratorAccess as AWS stores it (two-space indentation): (3,17)-(8,6).
    pretty = doc(allow("*"), indent=2)
    assert statement_spans(pretty)[0].start == Position(3, 17)
    assert statement_spans(pretty)[0].end == Position(8, 6)
    # json.dumps' default separators (what boto3 users send): starts after "[".
    spans = statement_spans(doc(allow(Sid="s3"), allow("s3:PutObject")))
    assert spans[0].start == Position(1, 41)
    # A later element starts where the previous one ended (before the comma).
    assert spans[1].start == spans[0].end


def test_line_breaks_of_every_kind() -> None:
    text = (
        '{\r\n"Version": "2012-10-17",\r"Statement":\n[\r\n'
        '  {"Effect":"Allow","Action":"*","Resource":"*"}\n]}'
    )
    span = statement_span(text, 0)
    assert span is not None
    assert span.start == Position(4, 2)  # just after "[" on line 4
    assert span.end.line == 5


def test_last_statement_key_wins_and_escaped_keys_count() -> None:
    text = '{"St\\u0061tement": {"Effect":"Deny"}, "Statement": [{"a": "}"}, {}]}'
    spans = statement_spans(text)
    assert len(spans) == 2
    assert spans[0].start.column == text.index("[{") + 2


@pytest.mark.parametrize(
    "text",
    [
        "",
        "null",
        "[]",
        "{",
        '{"Statement": [',
        '{"Statement": [{"a": 1}',
        '{"a": "unterminated',
        '{"Statement": "x"}',
        '{"Statement": []}',
        "{}",
        "{" * 10000,
        '{"Statement":[{}] x',
        '{"Statement":' + "[" * 5000 + "]" * 5000 + "}",
    ],
)
def test_odd_text_gives_no_positions(text: str) -> None:
    assert statement_spans(text) == ()
    assert statement_span(text, 0) is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_never_raises(text: str) -> None:
    statement_spans(text)
    statement_span(text, 3)


def _offset(text: str, pos: Position) -> int:
    lines = text.splitlines(keepends=True)
    return sum(len(line) for line in lines[: pos.line - 1]) + pos.column - 1


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(["s3:GetObject", "iam:*", "ec2:Describe*"]), min_size=1, max_size=5),
    st.sampled_from([None, 0, 1, 2, 4, "\t"]),
)
def test_end_is_just_after_each_closing_brace(actions: list[str], indent: int | str | None) -> None:
    text = doc(*(allow(a) for a in actions), indent=indent)
    spans = statement_spans(text)
    assert len(spans) == len(actions)
    for span in spans:
        assert text[_offset(text, span.end) - 1] == "}"


# -- inputs ----------------------------------------------------------------------------


def test_context_values_of_every_type() -> None:
    values = context_values(
        [
            {
                "ContextKeyName": "aws:SourceIp",
                "ContextKeyValues": ["10.0.0.1"],
                "ContextKeyType": "ip",
            },
            {
                "ContextKeyName": "s3:max-keys",
                "ContextKeyValues": ["10"],
                "ContextKeyType": "numeric",
            },
            {
                "ContextKeyName": "aws:SecureTransport",
                "ContextKeyValues": ["true"],
                "ContextKeyType": "boolean",
            },
            {
                "ContextKeyName": "aws:CurrentTime",
                "ContextKeyValues": ["2020-01-01T00:00:00Z"],
                "ContextKeyType": "date",
            },
            {
                "ContextKeyName": "aws:TagKeys",
                "ContextKeyValues": ["a", "b"],
                "ContextKeyType": "stringList",
            },
            {
                "ContextKeyName": "my:blob",
                "ContextKeyValues": ["aGVsbG8="],
                "ContextKeyType": "binary",
            },
            {"ContextKeyName": "my:nums", "ContextKeyValues": [], "ContextKeyType": "numericList"},
            {"ContextKeyName": "my:untyped", "ContextKeyValues": ["x"]},
        ]
    )
    assert values["aws:sourceip"] == ("10.0.0.1",)
    assert values["aws:tagkeys"] == ("a", "b")
    assert values["my:nums"] == ()
    assert values["my:untyped"] == ("x",)


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        ("numeric", ["ten"]),
        ("boolean", ["yes"]),
        ("date", ["yesterday"]),
        ("ip", ["10.0.0.300"]),
        ("binary", ["not base64!"]),
        ("string", ["a", "b"]),
        ("numericList", ["1", "x"]),
        ("colour", ["red"]),
    ],
)
def test_bad_context_values(kind: str, values: list[str]) -> None:
    with pytest.raises(InvalidInput):
        context_values(
            [{"ContextKeyName": "my:key", "ContextKeyValues": values, "ContextKeyType": kind}]
        )


def test_arns_owners_and_actions() -> None:
    assert resource_arns(None) is None
    assert resource_arns(["*"]) is None
    assert resource_arns(["*", "arn:aws:s3:::bucket/key"]) == ["*", "arn:aws:s3:::bucket/key"]
    with pytest.raises(InvalidInput) as exc:
        resource_arns(["bucket"])
    assert exc.value.message == "ResourceNames are not in a valid ARN format: bucket."
    assert resource_owner(OTHER) == OTHER
    assert resource_owner(f"arn:aws:iam::{OTHER}:root") == OTHER
    with pytest.raises(InvalidInput) as exc:
        resource_owner("1234-5678-9012")
    assert exc.value.message == "'1234-5678-9012' is not a valid as a Resource Owner."
    parsed = entity_arn(f"arn:aws:iam::{ACCOUNT}:role/team/a/Deployer")
    assert (parsed.kind, parsed.path, parsed.name) == ("role", "/team/a/", "Deployer")
    with pytest.raises(InvalidInput) as exc:
        entity_arn(f"arn:aws:sts::{ACCOUNT}:assumed-role/R/s")
    assert exc.value.message == f"Invalid Entity Arn: arn:aws:sts::{ACCOUNT}:assumed-role/R/s"
    assert action_names(["s3:GetObject"]) == ["s3:GetObject"]
    with pytest.raises(InvalidInput):
        action_names(["GetObject"])


def test_exclusions() -> None:
    rules = exclusions(
        [
            {"PolicyType": "aws-managed"},
            {"PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/team-*"},
            {
                "InlinePolicyIdentifier": {
                    "PolicyName": "p",
                    "AttachmentType": "group",
                    "AttachmentName": "dev?",
                }
            },
        ]
    )
    assert excluded(PolicyFacts(AWS_MANAGED, "arn:aws:iam::aws:policy/ReadOnlyAccess"), rules)
    assert excluded(PolicyFacts(USER_MANAGED, f"arn:aws:iam::{ACCOUNT}:policy/team-a"), rules)
    assert not excluded(PolicyFacts(USER_MANAGED, f"arn:aws:iam::{ACCOUNT}:policy/other"), rules)
    assert excluded(PolicyFacts(INLINE, None, "group", "dev1", "p"), rules)
    assert not excluded(PolicyFacts(INLINE, None, "group", "dev12", "p"), rules)
    assert not excluded(PolicyFacts(INLINE, None, "user", "dev1", "p"), rules)
    for bad in (
        {},
        {"PolicyType": "inline", "PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/x"},
        {"PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/a*b*"},
        {"PolicyArn": "arn:aws:iam::*:policy/x"},
        {"PolicyArn": "not-an-arn"},
    ):
        with pytest.raises(InvalidInput):
            exclusions([bad])


def test_context_key_names_in_document_order() -> None:
    policy = parse_policy(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Allow",
                    "Action": "dynamodb:*",
                    "Resource": "arn:aws:dynamodb:us-west-2:123456789012:table/${aws:username}",
                    "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2015-08-16T12:00:00Z"}},
                },
            }
        )
    )
    other = parse_policy(
        doc(
            allow(Condition={"StringEquals": {"AWS:UserName": "${aws:PrincipalTag/team}"}}),
            allow(Condition={"ForAnyValue:StringLike": {"aws:TagKeys": "x"}}),
        )
    )
    legacy = parse_policy(doc(allow(resource="arn:aws:s3:::b/${aws:userid}"), version="2008-10-17"))
    assert context_key_names([policy, other, legacy]) == [
        "aws:username",
        "aws:CurrentTime",
        "aws:PrincipalTag/team",
        "aws:TagKeys",
    ]


def test_resource_template() -> None:
    user_template = "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}"
    assert (
        resource_template("iam:GetUser", [ALICE, f"arn:aws:iam::{ACCOUNT}:user/bob"])
        == user_template
    )
    assert resource_template("IAM:getuser", ["*"]) == user_template
    assert resource_template(
        "iam:SimulatePrincipalPolicy", [f"arn:aws:iam::{ACCOUNT}:role/r"]
    ).endswith(":role/${RoleNameWithPath}")
    assert resource_template("s3:GetObject", ["arn:aws:s3:::b/k"]) == "*"


# -- results ---------------------------------------------------------------------------


def identity(*texts: str) -> tuple[Any, ...]:
    return tuple(
        sim_policy(text, PolicyKind.IDENTITY, f"PolicyInputList.{i}", IDENTITY_SOURCE)
        for i, text in enumerate(texts, 1)
    )


def user_caller(arn: str = ALICE, account: str = ACCOUNT, *, boundary: bool = False) -> Caller:
    return Caller(CallerKind.USER, arn, account, has_boundary=boundary)


def run(scenario: Scenario, action: str, resources: list[str] | None = None) -> dict[str, Any]:
    return Simulator(scenario).evaluate_action(action, resources, resource_template)


def test_allowed_explicit_and_implicit() -> None:
    text = doc(allow("s3:*"), deny("s3:DeleteObject"))
    scenario = Scenario(user_caller(), identity(text))
    allowed = run(scenario, "s3:GetObject")
    assert allowed["EvalDecision"] == "allowed"
    assert allowed["EvalResourceName"] == "*"
    spans = statement_spans(text)
    assert allowed["MatchedStatements"] == [
        {
            "SourcePolicyId": "PolicyInputList.1",
            "SourcePolicyType": IDENTITY_SOURCE,
            "StartPosition": spans[0].start.shape(),
            "EndPosition": spans[0].end.shape(),
        }
    ]
    assert allowed["MissingContextValues"] == []
    assert "EvalDecisionDetails" not in allowed
    assert "ResourceSpecificResults" not in allowed
    denied = run(scenario, "s3:DeleteObject")
    assert denied["EvalDecision"] == "explicitDeny"
    assert [m["StartPosition"] for m in denied["MatchedStatements"]] == [spans[1].start.shape()]
    implicit = run(scenario, "ec2:RunInstances")
    assert implicit["EvalDecision"] == "implicitDeny"
    assert implicit["MatchedStatements"] == []


def test_missing_context_values_and_supplied_ones() -> None:
    text = doc(
        allow(
            Condition={
                "Bool": {"aws:MultiFactorAuthPresent": "true"},
                "StringEquals": {"aws:PrincipalTag/team": "${aws:username}"},
            },
            resource="arn:aws:s3:::b/*",
        )
    )
    missing = run(
        Scenario(user_caller(), identity(text)), "s3:GetObject", ["arn:aws:s3:::b/alice/k"]
    )
    assert missing["EvalDecision"] == "implicitDeny"
    assert sorted(missing["MissingContextValues"]) == [
        "aws:MultiFactorAuthPresent",
        "aws:PrincipalTag/team",
        "aws:username",
    ]
    assert (
        missing["ResourceSpecificResults"][0]["MissingContextValues"]
        == missing["MissingContextValues"]
    )
    context: dict[str, tuple[str, ...]] = {
        "aws:multifactorauthpresent": ("true",),
        "aws:username": ("alice",),
        "aws:principaltag/team": ("alice",),
    }
    ok = run(
        Scenario(user_caller(), identity(text), context=context),
        "s3:GetObject",
        ["arn:aws:s3:::b/alice/k"],
    )
    assert ok["EvalDecision"] == "allowed"
    assert ok["MissingContextValues"] == []
    assert "MissingContextValues" not in ok["ResourceSpecificResults"][0]


def test_boundary_detail() -> None:
    boundary = (sim_policy(doc(allow("s3:List*")), PolicyKind.BOUNDARY, "B", BOUNDARY_SOURCE),)
    scenario = Scenario(user_caller(boundary=True), identity(doc(allow("s3:*"))), boundary=boundary)
    cut = run(scenario, "s3:GetObject")
    assert cut["EvalDecision"] == "implicitDeny"
    assert cut["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}
    passed = run(scenario, "s3:ListBucket")
    assert passed["EvalDecision"] == "allowed"
    assert passed["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": True}
    assert {m["SourcePolicyType"] for m in passed["MatchedStatements"]} == {
        IDENTITY_SOURCE,
        BOUNDARY_SOURCE,
    }
    no_boundary = run(Scenario(user_caller(), identity(doc(allow("s3:*")))), "s3:GetObject")
    assert "PermissionsBoundaryDecisionDetail" not in no_boundary


def test_scps_are_decided_but_never_reported() -> None:
    scp = (
        (
            sim_policy(
                doc(
                    allow("*"),
                    deny(
                        "s3:*", Condition={"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}
                    ),
                ),
                PolicyKind.SCP,
                "scp",
                SCP_SOURCE,
            ),
        ),
    )
    scenario = Scenario(user_caller(), identity(doc(allow("s3:*"))), scps=scp)
    denied = run(scenario, "s3:GetObject", ["arn:aws:s3:::b/k"])
    assert denied["EvalDecision"] == "explicitDeny"
    assert denied["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": False}
    assert denied["MatchedStatements"] == []
    assert denied["MissingContextValues"] == []  # SCP keys are left out
    assert "EvalDecisionDetails" not in denied  # the simulation ended at the SCP
    allowed = run(
        Scenario(
            user_caller(),
            identity(doc(allow("s3:*"))),
            scps=scp,
            context={"aws:requestedregion": ("eu-west-1",)},
        ),
        "s3:GetObject",
        ["arn:aws:s3:::b/k"],
    )
    assert allowed["EvalDecision"] == "allowed"
    assert allowed["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": True}
    assert [m["SourcePolicyType"] for m in allowed["MatchedStatements"]] == [IDENTITY_SOURCE]
    assert allowed["EvalDecisionDetails"] == {}


def test_one_result_per_action_with_resource_specific_results() -> None:
    text = doc(allow("iam:GetUser", ALICE), deny("iam:GetUser", f"arn:aws:iam::{ACCOUNT}:user/eve"))
    scenario = Scenario(user_caller(), identity(text))
    arns = [ALICE, f"arn:aws:iam::{ACCOUNT}:user/bob", f"arn:aws:iam::{ACCOUNT}:user/eve"]
    result = run(scenario, "iam:GetUser", arns)
    assert result["EvalDecision"] == "explicitDeny"  # the most restrictive
    assert result["EvalResourceName"] == "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}"
    assert [
        (r["EvalResourceName"], r["EvalResourceDecision"])
        for r in result["ResourceSpecificResults"]
    ] == [
        (arns[0], "allowed"),
        (arns[1], "implicitDeny"),
        (arns[2], "explicitDeny"),
    ]
    # Only the statements behind the reported decision.
    assert len(result["MatchedStatements"]) == 1
    assert result["MatchedStatements"][0]["StartPosition"] == statement_spans(text)[1].start.shape()
    assert result["EvalDecisionDetails"] == {}  # same account, resources listed
    single = run(scenario, "iam:GetUser", [ALICE])
    assert single["EvalResourceName"] == ALICE
    assert single["EvalDecision"] == "allowed"


def resource_policy(*statements: dict[str, Any]) -> Any:
    return sim_policy(doc(*statements), PolicyKind.RESOURCE, "ResourcePolicy", RESOURCE_SOURCE)


def test_resource_policy_same_account_grants_the_user_directly() -> None:
    grant = resource_policy(allow("s3:GetObject", "arn:aws:s3:::b/*", Principal={"AWS": ALICE}))
    scenario = Scenario(user_caller(), (), resource_policy=grant)
    result = run(scenario, "s3:GetObject", ["arn:aws:s3:::b/k"])
    assert result["EvalDecision"] == "allowed"
    assert result["MatchedStatements"][0]["SourcePolicyId"] == "ResourcePolicy"
    assert result["MatchedStatements"][0]["SourcePolicyType"] == RESOURCE_SOURCE
    assert result["EvalDecisionDetails"] == {}


def test_resource_policy_across_accounts_needs_both_sides() -> None:
    grant = resource_policy(allow("s3:GetObject", "arn:aws:s3:::b/*", Principal={"AWS": ALICE}))
    both = Scenario(
        user_caller(),
        identity(doc(allow("s3:GetObject"))),
        resource_policy=grant,
        resource_owner=OTHER,
    )
    result = run(both, "s3:GetObject", ["arn:aws:s3:::b/k"])
    assert result["EvalDecision"] == "allowed"
    assert result["EvalDecisionDetails"] == {IDENTITY_SOURCE: "allowed", RESOURCE_SOURCE: "allowed"}
    assert (
        result["ResourceSpecificResults"][0]["EvalDecisionDetails"] == result["EvalDecisionDetails"]
    )
    one_side = Scenario(user_caller(), (), resource_policy=grant, resource_owner=OTHER)
    result = run(one_side, "s3:GetObject", ["arn:aws:s3:::b/k"])
    assert result["EvalDecision"] == "implicitDeny"
    assert result["EvalDecisionDetails"] == {
        IDENTITY_SOURCE: "implicitDeny",
        RESOURCE_SOURCE: "allowed",
    }
    # The ARN's own account decides when it names one.
    owned = Scenario(user_caller(), (), resource_policy=grant)
    sqs = run(owned, "s3:GetObject", [f"arn:aws:sqs:us-east-1:{OTHER}:q"])
    assert (
        sqs["ResourceSpecificResults"][0]["EvalDecisionDetails"][IDENTITY_SOURCE] == "implicitDeny"
    )


def test_statement_index_out_of_range() -> None:
    assert statement_span(doc(allow()), 5) is None
    assert statement_span(doc(allow()), -1) is None


def test_variable_in_resource_is_reported_missing() -> None:
    text = doc(allow(resource="arn:aws:s3:::b/${aws:username}/*"))
    result = run(
        Scenario(user_caller(), identity(text)), "s3:GetObject", ["arn:aws:s3:::b/alice/k"]
    )
    assert result["MissingContextValues"] == ["aws:username"]
