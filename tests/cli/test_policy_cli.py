"""``rolecall policy validate`` and ``rolecall policy simulate`` (typer's CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rolecall.cli.policy import app
from rolecall.cli.policy_inputs import InputError, parse_caller, parse_context
from rolecall.policy import CallerKind

runner = CliRunner()
ACCOUNT = "111122223333"


def write(tmp_path: Path, name: str, doc: Any) -> str:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return str(path)


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


# -- validate ------------------------------------------------------------------------------------


def test_validate_ok(tmp_path: Path) -> None:
    f = write(tmp_path, "p.json", policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    result = runner.invoke(app, ["validate", f])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "OK"


@pytest.mark.parametrize(
    ("kind", "doc", "expected"),
    [
        ("identity", "{", "MalformedPolicyDocument: Syntax errors in policy."),
        (
            "managed",
            {"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}},
            "MalformedPolicyDocument: Policy document must be version 2012-10-17 or greater.",
        ),
        (
            "identity",
            policy({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}),
            "MalformedPolicyDocument: Policy document should not specify a principal.",
        ),
        (
            "trust",
            policy(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": ACCOUNT},
                    "Action": "sts:AssumeRole",
                    "Resource": "*",
                }
            ),
            "MalformedPolicyDocument: Has prohibited field Resource.",
        ),
        (
            "resource",
            policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
            "MalformedPolicyDocument: Missing required field Principal",
        ),
        (
            "rcp",
            policy(
                {"Effect": "Deny", "Principal": {"AWS": ACCOUNT}, "Action": "s3:*", "Resource": "*"}
            ),
            "MalformedPolicyDocument: Invalid principal in policy: "
            'a resource control policy must name "*"',
        ),
        (
            "session",
            policy({"Effect": "allow", "Action": "s3:*", "Resource": "*"}),
            "MalformedPolicyDocument: The policy failed legacy parsing",
        ),
    ],
)
def test_validate_errors(tmp_path: Path, kind: str, doc: Any, expected: str) -> None:
    f = write(tmp_path, "p.json", doc)
    result = runner.invoke(app, ["validate", f, "--type", kind])
    assert result.exit_code == 1
    assert result.output.strip() == expected


def test_validate_size_quota(tmp_path: Path) -> None:
    big = policy(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": [f"arn:aws:s3:::bucket-{i:05d}/*" for i in range(300)],
        }
    )
    f = write(tmp_path, "big.json", big)
    assert runner.invoke(app, ["validate", f, "--type", "identity"]).exit_code == 0
    result = runner.invoke(app, ["validate", f, "--type", "managed"])
    assert result.exit_code == 1
    assert result.output.strip() == "LimitExceeded: Cannot exceed quota for PolicySize: 6144"


def test_validate_stdin() -> None:
    doc = json.dumps(
        policy({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"})
    )
    result = runner.invoke(app, ["validate", "-", "--type", "resource"], input=doc)
    assert result.exit_code == 0 and result.output.strip() == "OK"


def test_validate_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert "nope.json" in result.output


def test_validate_unknown_type(tmp_path: Path) -> None:
    f = write(tmp_path, "p.json", policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    assert runner.invoke(app, ["validate", f, "--type", "bucket"]).exit_code == 2


# -- simulate ------------------------------------------------------------------------------------


def simulate_json(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["simulate", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_simulate_allow_and_deny(tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "p.json",
        policy(
            {"Sid": "Read", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
            {
                "Sid": "NoSecrets",
                "Effect": "Deny",
                "Action": "s3:*",
                "Resource": "arn:aws:s3:::secrets/*",
            },
        ),
    )
    out = simulate_json(
        "--policy",
        f,
        "--action",
        "s3:GetObject",
        "--action",
        "s3:PutObject",
        "--resource",
        "arn:aws:s3:::public/x",
        "--resource",
        "arn:aws:s3:::secrets/x",
        "--caller",
        f"arn:aws:iam::{ACCOUNT}:user/alice",
    )
    assert out["caller"] == f"arn:aws:iam::{ACCOUNT}:user/alice"
    by = {(r["action"], r["resource"]): r for r in out["results"]}
    assert len(by) == 4
    ok = by["s3:GetObject", "arn:aws:s3:::public/x"]
    assert ok["decision"] == "allowed" and ok["message"] is None
    assert ok["matchedStatements"] == [
        {"policy": f, "policyType": "identity", "sid": "Read", "index": 0, "effect": "Allow"}
    ]
    denied = by["s3:GetObject", "arn:aws:s3:::secrets/x"]
    assert denied["decision"] == "explicitDeny"
    assert denied["decidedBy"] == "identity-based policy"
    assert denied["message"].endswith("with an explicit deny in an identity-based policy")
    assert [m["sid"] for m in denied["matchedStatements"]] == ["NoSecrets"]
    implicit = by["s3:PutObject", "arn:aws:s3:::public/x"]
    assert implicit["decision"] == "implicitDeny"
    assert implicit["message"] == (
        f"User: arn:aws:iam::{ACCOUNT}:user/alice is not authorized to perform: s3:PutObject on "
        "resource: arn:aws:s3:::public/x because no identity-based policy allows the "
        "s3:PutObject action"
    )


def test_simulate_missing_context_keys_and_context(tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "p.json",
        policy(
            {
                "Effect": "Allow",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
            }
        ),
    )
    out = simulate_json("--policy", f, "--action", "s3:GetObject", "--resource", "*")
    (r,) = out["results"]
    assert r["decision"] == "implicitDeny" and r["missingContextKeys"] == ["aws:SourceIp"]
    out = simulate_json(
        "--policy",
        f,
        "--action",
        "s3:GetObject",
        "--resource",
        "*",
        "--context",
        "aws:SourceIp=10.1.2.3",
    )
    assert out["results"][0]["decision"] == "allowed"


def test_simulate_multi_valued_context(tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "p.json",
        policy(
            {
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}},
            }
        ),
    )
    ok = simulate_json(
        "--policy",
        f,
        "-a",
        "ec2:CreateTags",
        "-r",
        "*",
        "-c",
        "aws:TagKeys=a",
        "-c",
        "aws:TagKeys=b",
    )
    bad = simulate_json(
        "--policy",
        f,
        "-a",
        "ec2:CreateTags",
        "-r",
        "*",
        "-c",
        "aws:TagKeys=a",
        "-c",
        "aws:TagKeys=c",
    )
    assert ok["results"][0]["decision"] == "allowed"
    assert bad["results"][0]["decision"] == "implicitDeny"


def test_simulate_username_variable_works_for_user_callers(tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "p.json",
        policy(
            {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::home/${aws:username}/*"}
        ),
    )
    out = simulate_json(
        "--policy",
        f,
        "-a",
        "s3:GetObject",
        "-r",
        "arn:aws:s3:::home/alice/x",
        "--caller",
        f"arn:aws:iam::{ACCOUNT}:user/team/alice",
    )
    assert out["results"][0]["decision"] == "allowed"


def test_simulate_boundary_scp_and_session(tmp_path: Path) -> None:
    allow_all = write(
        tmp_path, "all.json", policy({"Effect": "Allow", "Action": "*", "Resource": "*"})
    )
    ec2_only = write(
        tmp_path, "ec2.json", policy({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})
    )
    deny_s3 = write(
        tmp_path, "deny.json", policy({"Effect": "Deny", "Action": "s3:*", "Resource": "*"})
    )
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1"
    base = ["--policy", allow_all, "-a", "s3:GetObject", "-r", "*", "--caller", session]
    assert simulate_json(*base)["results"][0]["decision"] == "allowed"
    r = simulate_json(*base, "--boundary", ec2_only)["results"][0]
    assert (r["decision"], r["decidedBy"]) == ("implicitDeny", "permissions boundary")
    r = simulate_json(*base, "--session-policy", ec2_only)["results"][0]
    assert (r["decision"], r["decidedBy"]) == ("implicitDeny", "session policy")
    r = simulate_json(*base, "--scp", allow_all, "--scp", f"{allow_all},{deny_s3}")["results"][0]
    assert (r["decision"], r["decidedBy"]) == ("explicitDeny", "service control policy")
    assert r["matchedStatements"][0]["policy"] == deny_s3
    assert r["details"]["service control policy"] == "explicitDeny"
    r = simulate_json(*base, "--scp", ec2_only)["results"][0]
    assert (r["decision"], r["decidedBy"]) == ("implicitDeny", "service control policy")


def test_simulate_resource_policy_and_cross_account(tmp_path: Path) -> None:
    bucket = write(
        tmp_path,
        "bucket.json",
        policy(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "444455556666"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/*",
            }
        ),
    )
    allow_all = write(
        tmp_path, "all.json", policy({"Effect": "Allow", "Action": "*", "Resource": "*"})
    )
    outsider = "arn:aws:iam::444455556666:user/bob"
    args = [
        "-a",
        "s3:GetObject",
        "-r",
        "arn:aws:s3:::b/k",
        "--caller",
        outsider,
        "--resource-account",
        ACCOUNT,
    ]
    r = simulate_json(*args, "--policy", allow_all)["results"][0]
    assert (r["decision"], r["decidedBy"]) == ("implicitDeny", "resource-based policy")
    r = simulate_json(*args, "--policy", allow_all, "--resource-policy", bucket)["results"][0]
    assert r["decision"] == "allowed"
    assert {m["policyType"] for m in r["matchedStatements"]} == {"identity", "resource"}


def test_simulate_trust_policy(tmp_path: Path) -> None:
    trust = write(
        tmp_path,
        "trust.json",
        policy(
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ),
    )
    allow_all = write(
        tmp_path, "all.json", policy({"Effect": "Allow", "Action": "*", "Resource": "*"})
    )
    role = f"arn:aws:iam::{ACCOUNT}:role/target"
    user = f"arn:aws:iam::{ACCOUNT}:user/alice"
    r = simulate_json(
        "--resource-policy", trust, "-a", "sts:AssumeRole", "-r", role, "--caller", user
    )["results"][0]
    assert (r["decision"], r["decidedBy"]) == ("implicitDeny", "identity-based policy")
    r = simulate_json(
        "--resource-policy",
        trust,
        "--policy",
        allow_all,
        "-a",
        "sts:AssumeRole",
        "-r",
        role,
        "--caller",
        user,
    )["results"][0]
    assert r["decision"] == "allowed"
    other = write(
        tmp_path,
        "other.json",
        policy(
            {"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "sts:AssumeRole"}
        ),
    )
    r = simulate_json(
        "--resource-policy",
        other,
        "--policy",
        allow_all,
        "-a",
        "sts:AssumeRole",
        "-r",
        role,
        "--caller",
        user,
    )["results"][0]
    assert (r["decision"], r["decidedBy"]) == ("implicitDeny", "resource-based policy")


def test_simulate_root_caller() -> None:
    out = simulate_json(
        "-a", "iam:CreateUser", "-r", "*", "--caller", f"arn:aws:iam::{ACCOUNT}:root"
    )
    assert out["results"][0]["decision"] == "allowed"


def test_simulate_human_output(tmp_path: Path) -> None:
    f = write(
        tmp_path,
        "p.json",
        policy({"Sid": "NoS3", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}),
    )
    result = runner.invoke(
        app, ["simulate", "--policy", f, "-a", "s3:GetObject", "-r", "*"], env={"COLUMNS": "250"}
    )
    assert result.exit_code == 0, result.output
    assert "explicitDeny" in result.output
    assert "NoS3" in result.output
    assert "with an explicit deny in an identity-based policy" in result.output
    assert "p.json [identity] statement 0 NoS3 (Deny)" in result.output


def test_simulate_reports_policy_errors_with_the_file(tmp_path: Path) -> None:
    f = write(tmp_path, "bad.json", policy({"Effect": "Allow", "Action": "s3:*"}))
    result = runner.invoke(app, ["simulate", "--policy", f, "-a", "s3:GetObject", "-r", "*"])
    assert result.exit_code == 1
    assert (
        "bad.json: MalformedPolicyDocument: Policy statement must contain resources."
        in result.output
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--caller", "arn:aws:iam::111122223333:group/devs"],
        ["--caller", "bob"],
        ["--context", "novalue"],
        ["--resource-account", "12"],
    ],
)
def test_simulate_bad_inputs(args: list[str]) -> None:
    result = runner.invoke(app, ["simulate", "-a", "s3:GetObject", "-r", "*", *args])
    assert result.exit_code == 1
    assert result.output.startswith("error: ")


def test_simulate_needs_action_and_resource() -> None:
    assert runner.invoke(app, ["simulate", "-r", "*"]).exit_code == 2
    assert runner.invoke(app, ["simulate", "-a", "s3:GetObject"]).exit_code == 2


# -- input parsing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arn", "kind", "role_arn"),
    [
        (f"arn:aws:iam::{ACCOUNT}:user/alice", CallerKind.USER, None),
        (f"arn:aws:iam::{ACCOUNT}:user/path/to/alice", CallerKind.USER, None),
        (
            f"arn:aws:sts::{ACCOUNT}:assumed-role/app/session",
            CallerKind.ASSUMED_ROLE,
            f"arn:aws:iam::{ACCOUNT}:role/app",
        ),
        (f"arn:aws:sts::{ACCOUNT}:federated-user/fed", CallerKind.FEDERATED_USER, None),
        (f"arn:aws:iam::{ACCOUNT}:root", CallerKind.ROOT, None),
        (f"arn:aws-cn:iam::{ACCOUNT}:root", CallerKind.ROOT, None),
    ],
)
def test_parse_caller(arn: str, kind: CallerKind, role_arn: str | None) -> None:
    caller = parse_caller(arn)
    assert (caller.kind, caller.account, caller.role_arn) == (kind, ACCOUNT, role_arn)
    assert caller.arn == arn


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:iam::{ACCOUNT}:role/app",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/app",
        f"arn:aws:iam::{ACCOUNT}:user/",
        "arn:aws:iam::12:user/x",
        "",
    ],
)
def test_parse_caller_rejects(arn: str) -> None:
    with pytest.raises(InputError):
        parse_caller(arn)


def test_parse_context() -> None:
    ctx = parse_context(
        ["aws:SourceIp=10.0.0.1", "AWS:TagKeys=a", "aws:tagkeys=b", "k=a=b", "empty="]
    )
    assert ctx.get("aws:sourceip") == ("10.0.0.1",)
    assert ctx.get("aws:TagKeys") == ("a", "b")
    assert ctx.get("k") == ("a=b",)
    assert ctx.get("empty") == ("",)
