"""``rolecall policy``: check and try out IAM policies locally, with rolecall's engine.

``validate`` answers what AWS would answer to a document (MalformedPolicyDocument
and its message, or a size quota); ``simulate`` decides requests against a set of
policies of every type and says which statements decided and which context keys
were missing.  Neither needs a server.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console

from rolecall.policy import (
    CompiledPolicy,
    PolicyError,
    PolicyKind,
    PrincipalPolicies,
    ResourcePolicies,
    authorize,
    parse_policy,
    policy_group,
)
from rolecall.policy.limits import check_managed_policy_size, check_trust_policy_size

from .policy_inputs import (
    DEFAULT_CALLER,
    InputError,
    compile_file,
    default_context,
    is_trust_policy,
    parse_caller,
    parse_context,
    read_policy_file,
)
from .policy_output import Result, render, to_json

app = typer.Typer(help="Validate and simulate IAM policies locally.", no_args_is_help=True)


class KindChoice(StrEnum):
    """The ``--type`` values of ``validate``."""

    identity = "identity"
    managed = "managed"
    trust = "trust"
    resource = "resource"
    boundary = "boundary"
    scp = "scp"
    rcp = "rcp"
    session = "session"


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


@app.command("validate")
def validate(
    file: Path = typer.Argument(..., help="The policy document (JSON); '-' reads stdin."),
    kind: KindChoice = typer.Option(
        KindChoice.identity, "--type", "-t", help="Where the document is used."
    ),
) -> None:
    """Check a policy document as AWS would: print OK, or AWS's error code and message."""
    try:
        text = read_policy_file(file).text
    except InputError as exc:
        raise _fail(f"error: {exc}", 2) from None
    policy_kind = PolicyKind(kind.value)
    try:
        parse_policy(text, policy_kind)
        # Size quotas AWS checks when the document is stored (IAM quotas page).
        if policy_kind in (PolicyKind.MANAGED, PolicyKind.BOUNDARY):
            check_managed_policy_size(text)
        elif policy_kind is PolicyKind.TRUST:
            check_trust_policy_size(text)
    except PolicyError as exc:
        typer.echo(f"{exc.code}: {exc.message}")
        raise typer.Exit(1) from None
    typer.echo("OK")


def _group(files: list[Path], kind: PolicyKind, label: str) -> list[CompiledPolicy]:
    return [compile_file(read_policy_file(f), kind, label) for f in files]


def _levels(specs: list[str], kind: PolicyKind, label: str) -> tuple[list[CompiledPolicy], ...]:
    # Each option is one level of the organization; "a.json,b.json" attaches two
    # policies at that level.
    return tuple(
        _group([Path(part) for part in spec.split(",") if part], kind, label) for spec in specs
    )


@app.command("simulate")
def simulate(
    policy: list[Path] = typer.Option(
        [], "--policy", "-p", help="An identity-based policy of the caller (repeatable)."
    ),
    boundary: Path | None = typer.Option(None, "--boundary", help="The permissions boundary."),
    resource_policy: Path | None = typer.Option(
        None,
        "--resource-policy",
        help="The resource-based policy (a role trust policy when it names no Resource).",
    ),
    resource_account: str | None = typer.Option(
        None, "--resource-account", help="The account owning the resource (default: the caller's)."
    ),
    scp: list[str] = typer.Option(
        [],
        "--scp",
        help=(
            "SCPs of one organization level, comma-separated "
            "(repeat per level; each level must allow)."
        ),
    ),
    rcp: list[str] = typer.Option(
        [],
        "--rcp",
        help="RCPs of one organization level, comma-separated (repeat per level).",
    ),
    session_policy: list[Path] = typer.Option(
        [], "--session-policy", help="A session policy of the caller's session (repeatable)."
    ),
    action: list[str] = typer.Option(
        ..., "--action", "-a", help="An action, e.g. s3:GetObject (repeatable)."
    ),
    resource: list[str] = typer.Option(
        ..., "--resource", "-r", help="A resource ARN or '*' (repeatable)."
    ),
    context: list[str] = typer.Option(
        [], "--context", "-c", help="A condition key, key=value (repeat a key for several values)."
    ),
    caller_arn: str = typer.Option(
        DEFAULT_CALLER,
        "--caller",
        help="The caller: a user, assumed-role, federated-user or root ARN.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Decide each (action, resource) pair with rolecall's policy engine."""
    try:
        caller = parse_caller(caller_arn, has_boundary=boundary is not None)
        ctx = default_context(caller, parse_context(context))
        principal = PrincipalPolicies(
            policy_group(_group(policy, PolicyKind.IDENTITY, "identity")),
            policy_group(_group([boundary], PolicyKind.BOUNDARY, "boundary")) if boundary else None,
            policy_group(_group(session_policy, PolicyKind.SESSION, "session"))
            if session_policy
            else None,
            tuple(policy_group(level) for level in _levels(scp, PolicyKind.SCP, "scp")),
        )
        resources = _resource_policies(resource_policy, resource_account, rcp)
    except InputError as exc:
        raise _fail(f"error: {exc}") from None
    results = [
        Result(
            caller.arn,
            a,
            r,
            authorize(caller, a, r, ctx, principal, resources, explain=True),
        )
        for a in action
        for r in resource
    ]
    if as_json:
        typer.echo(to_json(caller.arn, results))
    else:
        render(Console(), caller.arn, results)


def _resource_policies(
    resource_policy: Path | None, resource_account: str | None, rcp: list[str]
) -> ResourcePolicies:
    group = None
    required = False
    if resource_policy is not None:
        file = read_policy_file(resource_policy)
        # A role trust policy must itself allow AssumeRole, even within one account.
        required = is_trust_policy(file.text)
        kind = PolicyKind.TRUST if required else PolicyKind.RESOURCE
        group = policy_group([compile_file(file, kind, "resource")])
    if resource_account is not None and not (
        len(resource_account) == 12 and resource_account.isdigit()
    ):
        raise InputError(f"--resource-account {resource_account!r} is not a 12-digit account id")
    rcps = tuple(policy_group(level) for level in _levels(rcp, PolicyKind.RCP, "rcp"))
    return ResourcePolicies(resource_account, group, rcps, required)
