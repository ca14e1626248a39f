"""The JSON policy grammar: what each kind of policy accepts, and AWS's error for what it rejects.

Every case names the page it comes from.  Where AWS's documentation shows the
document but not the error text, the message is the one AWS is observed to
return (the issue thread quoting it is cited next to the case).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from rolecall.policy import (
    VERSION_2008,
    VERSION_2012,
    Effect,
    PolicyError,
    PolicyKind,
    Principals,
    parse_policy,
)

GRAMMAR = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html"
VERSION = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html"
)
ID = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_id.html"
STATEMENT = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_statement.html"
)
SID = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html"
EFFECT = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_effect.html"
PRINCIPAL = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"
)
NOTPRINCIPAL = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html"
)
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
CONDITION = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html"
)
OPERATORS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
IDENTIFIERS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html"
ROLE_TRUST = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user.html"
SCP_SYNTAX = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_syntax.html"
RCP_SYNTAX = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html"
SESSION = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session"
# Issue threads that quote AWS's exact error text for a rejected document.
LEGACY_PARSING_ISSUE = "https://github.com/hashicorp/terraform/issues/10057"
NO_RESOURCES_ISSUE = "https://github.com/aws-samples/aws-health-aware/issues/1"
NO_PRINCIPAL_ISSUE = "https://github.com/humanmade/S3-Uploads/issues/191"
PRINCIPAL_IN_IDENTITY = "https://repost.aws/knowledge-center/iam-principal-policy"
INVALID_PRINCIPAL = (
    "https://aws.amazon.com/premiumsupport/knowledge-center/s3-invalid-principal-in-policy-error/"
)

MALFORMED = "MalformedPolicyDocument"
SYNTAX = (MALFORMED, "Syntax errors in policy.")
LEGACY = (MALFORMED, "The policy failed legacy parsing")

I = PolicyKind.IDENTITY  # noqa: E741 - a short alias keeps the tables readable
M = PolicyKind.MANAGED
T = PolicyKind.TRUST
R = PolicyKind.RESOURCE
B = PolicyKind.BOUNDARY
S = PolicyKind.SESSION
SCP = PolicyKind.SCP
RCP = PolicyKind.RCP
ALL_KINDS = tuple(PolicyKind)
IDENTITY_LIKE = (I, M, B, S, SCP)
RESOURCE_LIKE = (R, RCP)

IDENTITY_STMT = {
    "Effect": "Allow",
    "Action": "s3:ListBucket",
    "Resource": "arn:aws:s3:::example_bucket",
}
RESOURCE_STMT = {**IDENTITY_STMT, "Principal": "*"}
TRUST_STMT = {
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
    "Action": "sts:AssumeRole",
}


def statement_for(kind: PolicyKind) -> dict[str, Any]:
    """A minimal valid statement for ``kind``."""
    if kind is T:
        return dict(TRUST_STMT)
    if kind in RESOURCE_LIKE:
        return dict(RESOURCE_STMT)
    return dict(IDENTITY_STMT)


def parse(document: Any, kind: PolicyKind) -> Any:
    text = document if isinstance(document, str) else json.dumps(document)
    return parse_policy(text, kind)


def outcome(document: Any, kind: PolicyKind) -> tuple[str, str] | None:
    """``None`` if accepted, else the error's (code, message)."""
    try:
        parse(document, kind)
    except PolicyError as exc:
        return exc.code, exc.message
    return None


# -- Version, Id, Statement -------------------------------------------------------------------

VERSION_CASES = [
    # (page, kind, Version value or None for absent, expected)
    (VERSION, I, VERSION_2012, None),
    (VERSION, I, VERSION_2008, None),
    # "If you do not include a Version element, the value defaults to 2008-10-17"
    (VERSION, I, None, None),
    (VERSION, T, None, None),
    (VERSION, R, VERSION_2008, None),
    (VERSION, S, None, None),
    # A managed policy (and so a boundary) must use the current language version; AWS
    # answers CreatePolicy with this message.
    (
        VERSION,
        M,
        VERSION_2008,
        (MALFORMED, "Policy document must be version 2012-10-17 or greater."),
    ),
    (VERSION, M, None, (MALFORMED, "Policy document must be version 2012-10-17 or greater.")),
    (VERSION, B, None, (MALFORMED, "Policy document must be version 2012-10-17 or greater.")),
    # "You cannot use a date value other than the ones listed": anything else is no policy.
    (VERSION, I, "2012-10-18", SYNTAX),
    (VERSION, I, "2012-10-17 ", SYNTAX),
    (VERSION, M, 2012, SYNTAX),
]


@pytest.mark.parametrize(("page", "kind", "version", "expected"), VERSION_CASES)
def test_version(page: str, kind: PolicyKind, version: Any, expected: Any) -> None:
    document: dict[str, Any] = {"Statement": [statement_for(kind)]}
    if version is not None:
        document = {"Version": version, **document}
    assert outcome(document, kind) == expected, page


def test_version_is_recorded() -> None:
    # reference_policies_elements_version: the element decides which language features apply.
    assert parse({"Version": VERSION_2012, "Statement": IDENTITY_STMT}, I).version == VERSION_2012
    assert parse({"Statement": IDENTITY_STMT}, I).version is None


ID_CASES = [
    # reference_policies_elements_id: "Id": "cd3ad3d9-2776-4ef1-a904-4c229d1642ee"
    (ID, "cd3ad3d9-2776-4ef1-a904-4c229d1642ee", None),
    (ID, "S3-Account-Permissions", None),
    (GRAMMAR, 7, SYNTAX),
    (GRAMMAR, ["x"], SYNTAX),
]


@pytest.mark.parametrize(("page", "value", "expected"), ID_CASES)
def test_id(page: str, value: Any, expected: Any) -> None:
    document = {"Version": VERSION_2012, "Id": value, "Statement": [IDENTITY_STMT]}
    assert outcome(document, I) == expected, page
    if expected is None:
        assert parse(document, I).id == value


STATEMENT_CASES = [
    # reference_policies_elements_statement: a single object or an array of them.
    (STATEMENT, {"Version": VERSION_2012, "Statement": IDENTITY_STMT}, None),
    (STATEMENT, {"Version": VERSION_2012, "Statement": [IDENTITY_STMT, IDENTITY_STMT]}, None),
    (GRAMMAR, {"Version": VERSION_2012}, SYNTAX),
    (GRAMMAR, {"Version": VERSION_2012, "Statement": []}, SYNTAX),
    (GRAMMAR, {"Version": VERSION_2012, "Statement": "Allow"}, SYNTAX),
    (GRAMMAR, {"Version": VERSION_2012, "Statement": [IDENTITY_STMT], "Extra": 1}, SYNTAX),
    (GRAMMAR, {"Version": VERSION_2012, "Statement": [{**IDENTITY_STMT, "Foo": "x"}]}, SYNTAX),
    (GRAMMAR, {"Version": VERSION_2012, "Statement": [["not", "an", "object"]]}, SYNTAX),
    # Element names are case-sensitive: "statement" is an unknown element.
    (GRAMMAR, {"Version": VERSION_2012, "statement": [IDENTITY_STMT]}, SYNTAX),
    (GRAMMAR, "not json", SYNTAX),
    (GRAMMAR, "[]", SYNTAX),
    (GRAMMAR, '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": NaN}}', SYNTAX),
]


@pytest.mark.parametrize(("page", "document", "expected"), STATEMENT_CASES)
def test_statement_block(page: str, document: Any, expected: Any) -> None:
    assert outcome(document, I) == expected, page


def test_statement_object_and_list_parse_alike() -> None:
    one = parse({"Version": VERSION_2012, "Statement": IDENTITY_STMT}, I)
    many = parse({"Version": VERSION_2012, "Statement": [IDENTITY_STMT]}, I)
    assert one.statements == many.statements


# -- Sid ----------------------------------------------------------------------------------------

SID_CASES = [
    # reference_policies_elements_sid: "1", "ExampleStatementID" ...
    (SID, I, ["1"], None),
    (SID, M, ["FirstStatement", "SecondStatement"], None),
    # "In IAM, the Sid value must be unique within a JSON policy."
    (SID, I, ["dup", "dup"], (MALFORMED, "Statement IDs (SID) in a single policy must be unique.")),
    (SID, R, ["dup", "dup"], (MALFORMED, "Statement IDs (SID) in a single policy must be unique.")),
    # Empty Sids are not ids at all, so two of them do not clash.
    (SID, I, ["", ""], None),
    # "The Sid element supports ASCII uppercase letters (A-Z), lowercase letters (a-z),
    # and numbers (0-9)" -- in IAM.  Other services (bucket policies...) allow more.
    (
        SID,
        I,
        ["my-sid"],
        (
            MALFORMED,
            "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the "
            "regular expression [0-9A-Za-z]*",
        ),
    ),
    (
        SID,
        T,
        ["Allow EC2"],
        (
            MALFORMED,
            "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the "
            "regular expression [0-9A-Za-z]*",
        ),
    ),
    (SID, R, ["AddCannedAcl-1"], None),
]


@pytest.mark.parametrize(("page", "kind", "sids", "expected"), SID_CASES)
def test_sid(page: str, kind: PolicyKind, sids: list[str], expected: Any) -> None:
    statements = [{**statement_for(kind), "Sid": sid} for sid in sids]
    assert outcome({"Version": VERSION_2012, "Statement": statements}, kind) == expected, page


def test_sid_must_be_a_string() -> None:
    document = {"Version": VERSION_2012, "Statement": [{**IDENTITY_STMT, "Sid": 1}]}
    assert outcome(document, I) == SYNTAX


# -- Effect -------------------------------------------------------------------------------------

EFFECT_CASES = [
    (EFFECT, "Allow", None),
    (EFFECT, "Deny", None),
    # The Effect value is case-sensitive: AWS answers "allow" with this message
    # (quoted in LEGACY_PARSING_ISSUE).
    (LEGACY_PARSING_ISSUE, "allow", LEGACY),
    (EFFECT, "Permit", LEGACY),
    (GRAMMAR, True, SYNTAX),
]


@pytest.mark.parametrize(("page", "effect", "expected"), EFFECT_CASES)
def test_effect(page: str, effect: Any, expected: Any) -> None:
    document = {"Version": VERSION_2012, "Statement": {**IDENTITY_STMT, "Effect": effect}}
    assert outcome(document, I) == expected, page
    if expected is None:
        assert parse(document, I).statements[0].effect is Effect(effect)


def test_effect_is_required() -> None:
    statement = {k: v for k, v in IDENTITY_STMT.items() if k != "Effect"}
    document = {"Version": VERSION_2012, "Statement": statement}
    assert outcome(document, I) == (MALFORMED, "Missing required field Effect")


# -- Principal / NotPrincipal ---------------------------------------------------------------------

PRINCIPAL_VALUES = [
    # (page, Principal element, parsed Principals)
    (PRINCIPAL, {"AWS": "123456789012"}, Principals(aws=("123456789012",))),
    (
        PRINCIPAL,
        {"AWS": "arn:aws:iam::123456789012:root"},
        Principals(aws=("arn:aws:iam::123456789012:root",)),
    ),
    (
        PRINCIPAL,
        {"AWS": ["123456789012", "555555555555"]},
        Principals(aws=("123456789012", "555555555555")),
    ),
    (
        PRINCIPAL,
        {"AWS": "arn:aws:iam::123456789012:user/user-name"},
        Principals(aws=("arn:aws:iam::123456789012:user/user-name",)),
    ),
    (
        PRINCIPAL,
        {"AWS": "arn:aws:iam::123456789012:role/role-name"},
        Principals(aws=("arn:aws:iam::123456789012:role/role-name",)),
    ),
    (
        PRINCIPAL,
        {"AWS": "arn:aws:sts::123456789012:assumed-role/role-name/role-session-name"},
        Principals(aws=("arn:aws:sts::123456789012:assumed-role/role-name/role-session-name",)),
    ),
    (
        PRINCIPAL,
        {"AWS": "arn:aws:sts::123456789012:federated-user/user-name"},
        Principals(aws=("arn:aws:sts::123456789012:federated-user/user-name",)),
    ),
    # reference_identifiers: unique ids such as AIDAJQABLZS4A3QDU576Q (what IAM stores
    # once a user it named is deleted).
    (IDENTIFIERS, {"AWS": "AIDAJQABLZS4A3QDU576Q"}, Principals(aws=("AIDAJQABLZS4A3QDU576Q",))),
    (
        PRINCIPAL,
        {"Service": ["ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com"]},
        Principals(service=("ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com")),
    ),
    (
        PRINCIPAL,
        {"Federated": "cognito-identity.amazonaws.com"},
        Principals(federated=("cognito-identity.amazonaws.com",)),
    ),
    (
        PRINCIPAL,
        {"Federated": "accounts.google.com"},
        Principals(federated=("accounts.google.com",)),
    ),
    (
        PRINCIPAL,
        {"Federated": "arn:aws:iam::123456789012:saml-provider/provider-name"},
        Principals(federated=("arn:aws:iam::123456789012:saml-provider/provider-name",)),
    ),
    (
        PRINCIPAL,
        {"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
        Principals(
            canonical_user=("79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",)
        ),
    ),
    (
        PRINCIPAL,
        {
            "AWS": ["arn:aws:iam::123456789012:root", "999999999999"],
            "CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
        },
        Principals(
            aws=("arn:aws:iam::123456789012:root", "999999999999"),
            canonical_user=("79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",),
        ),
    ),
    # "For anonymous users, the following elements are equivalent": "*" and {"AWS": "*"}.
    (PRINCIPAL, "*", Principals(wildcard=True)),
    (PRINCIPAL, {"AWS": "*"}, Principals(aws=("*",))),
]


@pytest.mark.parametrize(("page", "element", "parsed"), PRINCIPAL_VALUES)
@pytest.mark.parametrize("negated", [False, True])
def test_principal_forms_in_resource_policies(
    page: str, element: Any, parsed: Principals, negated: bool
) -> None:
    name = "NotPrincipal" if negated else "Principal"
    statement = {**IDENTITY_STMT, "Effect": "Deny" if negated else "Allow", name: element}
    policy = parse({"Version": VERSION_2012, "Statement": statement}, R)
    st = policy.statements[0]
    assert st.principals == parsed, page
    assert st.not_principal is negated


INVALID_PRINCIPALS = [
    # "You cannot use a wildcard to match part of a principal name or ARN."
    (
        PRINCIPAL,
        {"AWS": "arn:aws:iam::123456789012:user/*"},
        'Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:user/*"',
    ),
    (
        PRINCIPAL,
        {"AWS": "arn:aws:sts::123456789012:assumed-role/role-name/*"},
        'Invalid principal in policy: "AWS":"arn:aws:sts::123456789012:assumed-role/role-name/*"',
    ),
    (INVALID_PRINCIPAL, {"AWS": "bob"}, 'Invalid principal in policy: "AWS":"bob"'),
    (INVALID_PRINCIPAL, {"AWS": "12345"}, 'Invalid principal in policy: "AWS":"12345"'),
    (PRINCIPAL, {"Service": "ecs"}, 'Invalid principal in policy: "SERVICE":"ecs"'),
    (
        PRINCIPAL,
        {"CanonicalUser": "not-an-id"},
        'Invalid principal in policy: "CANONICAL_USER":"not-an-id"',
    ),
]


@pytest.mark.parametrize(("page", "element", "message"), INVALID_PRINCIPALS)
@pytest.mark.parametrize("kind", [R, T])
def test_invalid_principal_values(page: str, element: Any, message: str, kind: PolicyKind) -> None:
    statement = {**statement_for(kind), "Principal": element}
    assert outcome({"Version": VERSION_2012, "Statement": statement}, kind) == (
        MALFORMED,
        message,
    ), page


@pytest.mark.parametrize(
    "element",
    [{}, {"AWS": []}, {"Users": "x"}, ["123456789012"], 123456789012, {"AWS": {"x": 1}}, ""],
)
def test_principal_shapes_that_are_no_principal(element: Any) -> None:
    # reference_policies_grammar: <principal_map> = { <principal_map_entry>, ... } | "*"
    statement = {**RESOURCE_STMT, "Principal": element}
    assert outcome({"Version": VERSION_2012, "Statement": statement}, R) == SYNTAX, GRAMMAR


@pytest.mark.parametrize("kind", IDENTITY_LIKE)
@pytest.mark.parametrize("element", ["Principal", "NotPrincipal"])
def test_identity_like_policies_reject_principal(kind: PolicyKind, element: str) -> None:
    # reference_policies_elements_principal: "You cannot use the Principal element in an
    # identity-based policy."  Quoted message: see PRINCIPAL_IN_IDENTITY and the
    # GetFederationToken/AssumeRole session-policy reports.
    statement = {**IDENTITY_STMT, element: {"AWS": "123456789012"}}
    expected = (MALFORMED, "Policy document should not specify a principal.")
    assert outcome({"Version": VERSION_2012, "Statement": statement}, kind) == expected


@pytest.mark.parametrize("kind", [T, R])
def test_resource_and_trust_policies_need_a_principal(kind: PolicyKind) -> None:
    # "You must use the Principal element in resource-based policies" (NO_PRINCIPAL_ISSUE
    # quotes the message).
    statement = {k: v for k, v in statement_for(kind).items() if k != "Principal"}
    expected = (MALFORMED, "Missing required field Principal")
    assert outcome({"Version": VERSION_2012, "Statement": statement}, kind) == expected


@pytest.mark.parametrize(
    ("element", "expected"),
    [
        ("*", None),
        ({"AWS": "*"}, None),
        (
            {"AWS": "123456789012"},
            (MALFORMED, 'Invalid principal in policy: a resource control policy must name "*"'),
        ),
    ],
)
def test_rcp_principal_must_be_everyone(element: Any, expected: Any) -> None:
    # orgs_manage_policies_rcps_syntax: "The Principal element ... must be set to '*'."
    statement = {"Effect": "Deny", "Principal": element, "Action": "s3:*", "Resource": "*"}
    assert outcome({"Version": VERSION_2012, "Statement": statement}, RCP) == expected, RCP_SYNTAX


def test_rcp_rejects_not_principal() -> None:
    statement = {"Effect": "Deny", "NotPrincipal": {"AWS": "*"}, "Action": "s3:*", "Resource": "*"}
    expected = (MALFORMED, 'Invalid principal in policy: a resource control policy must name "*"')
    assert outcome({"Version": VERSION_2012, "Statement": statement}, RCP) == expected, RCP_SYNTAX


def test_principal_and_not_principal_together() -> None:
    statement = {**RESOURCE_STMT, "NotPrincipal": {"AWS": "123456789012"}}
    assert outcome({"Version": VERSION_2012, "Statement": statement}, R) == SYNTAX, GRAMMAR


# -- Action / NotAction ---------------------------------------------------------------------------

ACTION_CASES = [
    # reference_policies_elements_action examples
    (ACTION, "ec2:StartInstances", None),
    (ACTION, "iam:ChangePassword", None),
    (ACTION, ["sqs:SendMessage", "sqs:ReceiveMessage"], None),
    (ACTION, "s3:*", None),
    (ACTION, "iam:*AccessKey*", None),
    (ACTION, "*", None),
    (ACTION, "ec2:Describe?ags", None),
    # "The prefix and the action name are case insensitive."
    (ACTION, "SQS:SendMessage", None),
    (GRAMMAR, [], (MALFORMED, "Policy statement must contain actions.")),
    (GRAMMAR, "", (MALFORMED, "Policy statement must contain actions.")),
    (
        ACTION,
        "s3GetObject",
        (MALFORMED, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
    ),
    (ACTION, "s3:Get:Object", (MALFORMED, "Actions/Condition can contain only one colon.")),
    (ACTION, "s_3:GetObject", (MALFORMED, "Vendor s_3 is not valid")),
    (GRAMMAR, 5, SYNTAX),
    (GRAMMAR, ["s3:GetObject", 5], SYNTAX),
]


@pytest.mark.parametrize(("page", "action", "expected"), ACTION_CASES)
@pytest.mark.parametrize("element", ["Action", "NotAction"])
def test_action(page: str, action: Any, expected: Any, element: str) -> None:
    statement = {"Effect": "Allow", element: action, "Resource": "*"}
    assert outcome({"Version": VERSION_2012, "Statement": statement}, I) == expected, page


def test_action_is_required() -> None:
    statement = {"Effect": "Allow", "Resource": "*"}
    expected = (MALFORMED, "Policy statement must contain actions.")
    assert outcome({"Version": VERSION_2012, "Statement": statement}, I) == expected, GRAMMAR


def test_action_and_not_action_together() -> None:
    statement = {**IDENTITY_STMT, "NotAction": "s3:GetObject"}
    assert outcome({"Version": VERSION_2012, "Statement": statement}, I) == SYNTAX, GRAMMAR


def test_not_action_is_recorded() -> None:
    # reference_policies_elements_notaction: "NotAction": "iam:*" with "Resource": "*".
    statement = {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
    st = parse({"Version": VERSION_2012, "Statement": statement}, I).statements[0]
    assert st.not_action and st.actions == ("iam:*",), NOTACTION


TRUST_ACTIONS = [
    # id_roles_create_for-user / the STS actions a trust policy controls
    ("sts:AssumeRole", None),
    ("sts:AssumeRoleWithSAML", None),
    ("sts:AssumeRoleWithWebIdentity", None),
    ("sts:TagSession", None),
    ("sts:SetSourceIdentity", None),
    (["sts:AssumeRole", "sts:TagSession"], None),
    ("sts:AssumeRole*", None),
    (
        "s3:GetObject",
        (
            MALFORMED,
            "Trust Policy statement actions can only be sts:AssumeRole, "
            "sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity",
        ),
    ),
    (
        "sts:GetCallerIdentity",
        (
            MALFORMED,
            "Trust Policy statement actions can only be sts:AssumeRole, "
            "sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity",
        ),
    ),
]


@pytest.mark.parametrize(("action", "expected"), TRUST_ACTIONS)
def test_trust_policy_actions(action: Any, expected: Any) -> None:
    statement = {**TRUST_STMT, "Action": action}
    assert outcome({"Version": VERSION_2012, "Statement": statement}, T) == expected, ROLE_TRUST


# -- Resource / NotResource ---------------------------------------------------------------------

RESOURCE_CASES = [
    # reference_policies_elements_resource examples
    (RESOURCE, "arn:aws:sqs:us-east-2:account-ID-without-hyphens:queue1", None),
    (RESOURCE, "arn:aws:iam::123456789012:user/Bob", None),
    (RESOURCE, "arn:aws:iam::123456789012:user/accounting/*", None),
    (RESOURCE, "arn:aws:s3:::my_corporate_bucket/*", None),
    (
        RESOURCE,
        [
            "arn:aws:dynamodb:us-east-2:123456789012:table/books_table",
            "arn:aws:dynamodb:us-east-2:123456789012:table/magazines_table",
        ],
        None,
    ),
    (RESOURCE, "arn:aws:dynamodb:us-east-2:123456789012:table/${aws:username}", None),
    (RESOURCE, "*", None),
    (RESOURCE, "arn:aws-cn:s3:::bucket", None),
    (RESOURCE, "arn:*:s3:::bucket", None),
    (RESOURCE, "bucket", (MALFORMED, 'Resource bucket must be in ARN format or "*".')),
    (
        RESOURCE,
        "arn:foo:s3:::b",
        (MALFORMED, 'Partition "foo" is not valid for resource "arn:foo:s3:::b".'),
    ),
    # "You can't use a wildcard in the service segment"
    (
        RESOURCE,
        "arn:aws:s3*:::b",
        (MALFORMED, "Resource vendor must be fully qualified and cannot contain regexes."),
    ),
    (RESOURCE, "arn:aws:s3::b", LEGACY),
    (
        RESOURCE,
        "arn:aws:iam:us-east-1:123456789012:user/x",
        (
            MALFORMED,
            "IAM resource arn:aws:iam:us-east-1:123456789012:user/x "
            "cannot contain region information.",
        ),
    ),
    (
        RESOURCE,
        "arn:aws:iam::123456789012:thing/x",
        (
            MALFORMED,
            'IAM resource path must either be "*" or start with user/, federated-user/, role/, '
            "group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, "
            "saml-provider/, oidc-provider/, report/, access-report/.",
        ),
    ),
    (
        RESOURCE,
        "arn:aws:s3:us-east-1::bucket",
        (MALFORMED, "Resource arn:aws:s3:us-east-1::bucket can not contain region information."),
    ),
    (RESOURCE, "arn:aws:s3:us-east-1:123456789012:accesspoint/ap", None),
    (GRAMMAR, 7, SYNTAX),
]


@pytest.mark.parametrize(("page", "resource", "expected"), RESOURCE_CASES)
@pytest.mark.parametrize("element", ["Resource", "NotResource"])
def test_resource(page: str, resource: Any, expected: Any, element: str) -> None:
    statement = {"Effect": "Allow", "Action": "s3:*", element: resource}
    assert outcome({"Version": VERSION_2012, "Statement": statement}, I) == expected, page


@pytest.mark.parametrize("kind", [I, M, B, S, SCP, R, RCP])
def test_resources_are_required_outside_trust_policies(kind: PolicyKind) -> None:
    # NO_RESOURCES_ISSUE quotes AWS's answer.
    statement = {k: v for k, v in statement_for(kind).items() if k != "Resource"}
    expected = (MALFORMED, "Policy statement must contain resources.")
    assert outcome({"Version": VERSION_2012, "Statement": statement}, kind) == expected


@pytest.mark.parametrize("element", ["Resource", "NotResource"])
def test_trust_policies_must_not_name_resources(element: str) -> None:
    statement = {**TRUST_STMT, element: "*"}
    expected = (MALFORMED, "Has prohibited field Resource.")
    assert outcome({"Version": VERSION_2012, "Statement": statement}, T) == expected, ROLE_TRUST


def test_resource_and_not_resource_together() -> None:
    statement = {**IDENTITY_STMT, "NotResource": "*"}
    assert outcome({"Version": VERSION_2012, "Statement": statement}, I) == SYNTAX, GRAMMAR


def test_not_resource_is_recorded() -> None:
    # reference_policies_elements_notresource: deny everything but one bucket's objects.
    statement = {
        "Effect": "Deny",
        "Action": "s3:*",
        "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"],
    }
    st = parse({"Version": VERSION_2012, "Statement": statement}, I).statements[0]
    assert st.not_resource and len(st.resources or ()) == 2, NOTRESOURCE


# -- Condition ------------------------------------------------------------------------------------

CONDITION_CASES = [
    (CONDITION, {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}}, None),
    (OPERATORS, {"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}, None),
    (OPERATORS, {"DateLessThan": {"aws:EpochTime": 1577836800}}, None),
    (OPERATORS, {"NumericLessThanEquals": {"s3:max-keys": "10"}}, None),
    (OPERATORS, {"Bool": {"aws:SecureTransport": False}}, None),
    (OPERATORS, {"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["a*", "b"]}}, None),
    (OPERATORS, {"Null": {"aws:TokenIssueTime": "true"}}, None),
    # "You can add IfExists to the end of any condition operator name except the Null condition"
    (OPERATORS, {"NullIfExists": {"aws:TokenIssueTime": "true"}}, SYNTAX),
    (OPERATORS, {"StringEqualz": {"aws:username": "x"}}, SYNTAX),
    (OPERATORS, {"ForSomeValues:StringEquals": {"aws:username": "x"}}, SYNTAX),
    (OPERATORS, {"DateGreaterThan": {"aws:CurrentTime": "yesterday"}}, LEGACY),
    (GRAMMAR, {"StringEquals": "aws:username"}, SYNTAX),
    (GRAMMAR, {"StringEquals": {"aws:username": None}}, SYNTAX),
    (GRAMMAR, {"StringEquals": {"aws:username": []}}, SYNTAX),
    (GRAMMAR, {"StringEquals": {"aws:username": {"nested": "x"}}}, SYNTAX),
    (GRAMMAR, ["StringEquals"], SYNTAX),
]


@pytest.mark.parametrize(("page", "condition", "expected"), CONDITION_CASES)
def test_condition(page: str, condition: Any, expected: Any) -> None:
    statement = {**IDENTITY_STMT, "Condition": condition}
    assert outcome({"Version": VERSION_2012, "Statement": statement}, I) == expected, page


def test_condition_values_become_strings() -> None:
    # reference_policies_elements_condition: values are compared as strings; JSON
    # numbers and booleans in a policy stand for their text.
    condition = {
        "NumericEquals": {"s3:max-keys": [10, 2.5, 3.0]},
        "Bool": {"aws:SecureTransport": True},
        "StringEquals": {"aws:username": "bob"},
    }
    statement = {**IDENTITY_STMT, "Condition": condition}
    clauses = parse({"Version": VERSION_2012, "Statement": statement}, I).statements[0].conditions
    assert [(c.base, c.key, c.values) for c in clauses] == [
        ("NumericEquals", "s3:max-keys", ("10", "2.5", "3")),
        ("Bool", "aws:SecureTransport", ("true",)),
        ("StringEquals", "aws:username", ("bob",)),
    ]


def test_condition_operator_is_split() -> None:
    statement = {
        **IDENTITY_STMT,
        "Condition": {"ForAllValues:StringNotLikeIfExists": {"aws:TagKeys": "x*"}},
    }
    clause = parse({"Version": VERSION_2012, "Statement": statement}, I).statements[0].conditions[0]
    assert (clause.set_operator, clause.base, clause.if_exists) == (
        "ForAllValues",
        "StringNotLike",
        True,
    ), OPERATORS


# -- documents from the guides, accepted as the kind they are shown as ----------------------------

GUIDE_DOCUMENTS = [
    (
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies-syntax-examples",
        R,
        {
            "Version": "2012-10-17",
            "Id": "S3-Account-Permissions",
            "Statement": [
                {
                    "Sid": "1",
                    "Effect": "Allow",
                    "Principal": {"AWS": ["arn:aws:iam::123456789012:root"]},
                    "Action": "s3:*",
                    "Resource": ["arn:aws:s3:::mybucket", "arn:aws:s3:::mybucket/*"],
                }
            ],
        },
    ),
    (
        NOTPRINCIPAL,
        R,
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "NotPrincipal": {
                        "AWS": [
                            "arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/cross-account-audit-app",
                            "arn:aws:iam::444455556666:role/cross-account-read-only-role",
                            "arn:aws:iam::444455556666:root",
                        ]
                    },
                    "Action": "s3:*",
                    "Resource": [
                        "arn:aws:s3:::Bucket_AccountAudit",
                        "arn:aws:s3:::Bucket_AccountAudit/*",
                    ],
                }
            ],
        },
    ),
    (
        OPERATORS,
        R,
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": {"AWS": "123456789012"},
                "Action": "SQS:SendMessage",
                "Resource": "arn:aws:sqs:us-east-2:123456789012:QUEUE-ID",
                "Condition": {
                    "ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-2:123456789012:TOPIC-ID"}
                },
            },
        },
    ),
    (
        SCP_SYNTAX,
        SCP,
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "Action": ["ec2:*", "rds:*"],
                    "Resource": "*",
                    "Condition": {
                        "StringNotEquals": {"aws:RequestedRegion": ["eu-central-1", "eu-west-1"]}
                    },
                }
            ],
        },
    ),
    (
        RCP_SYNTAX,
        RCP,
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "EnforceSecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": ["sts:*", "s3:*"],
                    "Resource": "*",
                    "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}},
                }
            ],
        },
    ),
    (
        SESSION,
        S,
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
        },
    ),
    (
        ROLE_TRUST,
        T,
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {
                        "Federated": "arn:aws:iam::123456789012:saml-provider/ExampleOrgSSOProvider"
                    },
                    "Action": "sts:AssumeRoleWithSAML",
                    "Condition": {
                        "StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}
                    },
                }
            ],
        },
    ),
    (
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html",
        B,
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["s3:*", "cloudwatch:*", "ec2:*"], "Resource": "*"}
            ],
        },
    ),
]


@pytest.mark.parametrize(("page", "kind", "document"), GUIDE_DOCUMENTS)
def test_guide_documents_are_accepted(page: str, kind: PolicyKind, document: Any) -> None:
    assert outcome(document, kind) is None, page


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_errors_are_malformed_policy_document(kind: PolicyKind) -> None:
    with pytest.raises(PolicyError) as info:
        parse("{", kind)
    assert info.value.code == MALFORMED
    assert str(info.value) == "Syntax errors in policy."


def test_bytes_that_are_not_utf8() -> None:
    from rolecall.policy.parser import load_json

    with pytest.raises(PolicyError):
        load_json(b"\xff\xfe{}")
