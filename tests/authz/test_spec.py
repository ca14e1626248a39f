"""Checks of the IAM/STS authorization table against botocore's models and AWS facts."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from rolecall.authz import (
    SERVICES,
    ConditionKeyUse,
    OperationAuth,
    ResourceSpec,
    ResourceType,
    ServiceAuth,
    SpecError,
    load_operation_auth,
    load_service_auth,
    parse_service_auth,
)

# Operations whose IAM action is not "<service>:<OperationName>". None is known for IAM or
# STS (the reference lists every action under the operation's own name); an entry here
# must name its source in docs/authorization-table.md.
RENAMED_ACTIONS: dict[tuple[str, str], str] = {}

DOC = Path(__file__).resolve().parents[2] / "docs" / "authorization-table.md"


@pytest.fixture(scope="module")
def models() -> dict[str, Any]:
    session = botocore.session.get_session()
    return {service: session.get_service_model(service) for service in SERVICES}


def raw_table(service: str) -> dict[str, Any]:
    text = (
        resources.files("rolecall")
        .joinpath("data")
        .joinpath(f"{service}-authorization.json")
        .read_text(encoding="utf-8")
    )
    data: dict[str, Any] = json.loads(text)
    return data


def all_operations() -> Iterator[OperationAuth]:
    for service in SERVICES:
        yield from load_operation_auth(service).values()


def resolve(shape: Any, path: str) -> Any:
    """The botocore shape at a dotted parameter path ("A.b", "A[].B"), or None."""
    for part in path.split("."):
        is_list = part.endswith("[]")
        name = part[:-2] if is_list else part
        if shape.type_name != "structure" or name not in shape.members:
            return None
        shape = shape.members[name]
        if is_list:
            if shape.type_name != "list":
                return None
            shape = shape.member
    return shape


def specs_of(op: OperationAuth) -> Iterator[ResourceSpec]:
    yield op.resource
    for extra in op.additional_actions:
        yield extra.resource


def key_uses_of(op: OperationAuth) -> Iterator[ConditionKeyUse]:
    yield from op.condition_keys
    for extra in op.additional_actions:
        yield from extra.condition_keys


# ----------------------------------------------------------------- coverage and shape


@pytest.mark.parametrize("service", SERVICES)
def test_table_covers_exactly_the_botocore_operations(service: str, models: dict[str, Any]) -> None:
    expected = set(models[service].operation_names)
    actual = set(load_operation_auth(service))
    assert sorted(expected - actual) == [], "operations missing from the table"
    assert sorted(actual - expected) == [], "operations botocore does not define"


@pytest.mark.parametrize("service", SERVICES)
def test_api_version_matches_botocore(service: str, models: dict[str, Any]) -> None:
    assert load_service_auth(service).api_version == models[service].api_version


def test_every_action_is_well_formed_and_named_after_its_operation() -> None:
    pattern = re.compile(r"^(iam|sts):[A-Z][A-Za-z0-9]+$")
    for op in all_operations():
        assert pattern.match(op.action), op.action
        expected = RENAMED_ACTIONS.get((op.service, op.operation), f"{op.service}:{op.operation}")
        assert op.action == expected
        for extra in op.additional_actions:
            assert re.match(r"^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$", extra.action), extra.action
        for dep in op.dependent_actions:
            assert re.match(r"^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$", dep), dep


def test_every_named_parameter_exists_in_the_input_shape(models: dict[str, Any]) -> None:
    problems = []
    for op in all_operations():
        shape = models[op.service].operation_model(op.operation).input_shape
        names = [name for spec in specs_of(op) for name in spec.params]
        names += [use.param for use in key_uses_of(op) if use.param is not None]
        names += [
            trigger
            for extra in op.additional_actions
            for trigger in extra.when
            if not trigger.startswith("token:")
        ]
        for name in names:
            if shape is None or resolve(shape, name) is None:
                problems.append(f"{op.operation}: {name}")
    assert problems == []


def test_every_resource_type_and_condition_key_named_is_defined() -> None:
    for service in SERVICES:
        table = load_service_auth(service)
        for op in table.operations.values():
            for spec in specs_of(op):
                assert set(spec.types) <= set(table.resource_types), op.operation
            for use in key_uses_of(op):
                assert use.key in table.condition_keys, (op.operation, use.key)
        for rtype in table.resource_types.values():
            assert set(rtype.condition_keys) <= set(table.condition_keys), rtype.name


def test_loader_returns_typed_frozen_objects_and_caches() -> None:
    table = load_service_auth("iam")
    assert isinstance(table, ServiceAuth)
    assert load_service_auth("iam") is table
    assert load_operation_auth("iam") is table.operations
    op = table.operations["CreateRole"]
    assert isinstance(op, OperationAuth)
    assert isinstance(op.resource, ResourceSpec)
    assert all(isinstance(use, ConditionKeyUse) for use in op.condition_keys)
    assert isinstance(table.resource_types["role"], ResourceType)
    with pytest.raises(TypeError):
        table.operations["Nope"] = op  # type: ignore[index]
    with pytest.raises(AttributeError):
        op.action = "iam:Other"  # type: ignore[misc]


def test_unknown_service_is_refused() -> None:
    with pytest.raises(SpecError):
        load_service_auth("s3")


# ------------------------------------------------------------ internal consistency rules


def test_read_only_follows_the_cloudtrail_rule() -> None:
    for op in all_operations():
        if op.service == "sts":
            assert op.read_only, op.operation
        else:
            expected = op.operation.startswith(("Get", "List", "Generate", "Simulate"))
            assert op.read_only is expected, op.operation


def test_list_pseudo_arns_use_path_prefix_exactly_when_the_request_has_one(
    models: dict[str, Any],
) -> None:
    for op in all_operations():
        if op.resource.kind != "list":
            continue
        members = models[op.service].operation_model(op.operation).input_shape.members
        expected = "PathPrefix" if "PathPrefix" in members else None
        assert op.resource.path_prefix_param == expected, op.operation


def test_created_entities_take_their_path_from_the_request(models: dict[str, Any]) -> None:
    table = load_service_auth("iam")
    for op in table.operations.values():
        if op.resource.kind != "request":
            continue
        has_path = table.resource_types[op.resource.types[0]].has_path
        members = models["iam"].operation_model(op.operation).input_shape.members
        assert (op.resource.path_param is not None) == has_path, op.operation
        if has_path:
            assert op.resource.path_param == "Path" and "Path" in members, op.operation


def test_optional_user_name_falls_back_to_the_caller(models: dict[str, Any]) -> None:
    for op in load_operation_auth("iam").values():
        spec = op.resource
        if spec.kind != "entity" or spec.types != ("user",):
            continue
        shape = models["iam"].operation_model(op.operation).input_shape
        required = spec.param in shape.required_members
        assert (spec.default is None) == required, op.operation


def test_tag_sources_read_tag_lists(models: dict[str, Any]) -> None:
    for op in all_operations():
        shape = models[op.service].operation_model(op.operation).input_shape
        for use in key_uses_of(op):
            if use.source in ("tags", "tagKeys"):
                assert use.param is not None
                tags = resolve(shape, use.param)
                assert tags.type_name == "list", op.operation
                assert set(tags.member.members) == {"Key", "Value"}, op.operation


def test_unconfirmed_records_say_so() -> None:
    # Operations added to botocore after the stored reference copy must carry a note.
    for name in (
        "AcquireRole",
        "GetAccountProperties",
        "PutAccountProperties",
        "GetRoleTemplateVersion",
        "UpdateDelegationRequest",
    ):
        assert load_operation_auth("iam")[name].note, name
    for name in ("AssumeRoot", "GetDelegatedAccessToken", "GetWebIdentityToken"):
        assert load_operation_auth("sts")[name].note, name


# ------------------------------------------------------------------ documented facts


def test_list_roles_and_users_are_evaluated_against_a_path_prefix_pseudo_arn() -> None:
    table = load_service_auth("iam")
    for operation, rtype in (("ListRoles", "role"), ("ListUsers", "user")):
        spec = table.operations[operation].resource
        assert spec.kind == "list" and spec.types == (rtype,)
        arn = table.resource_types[rtype].format_prefix_arn(
            partition="aws", account="123456789012", path_prefix="/"
        )
        assert arn == f"arn:aws:iam::123456789012:{rtype}/"
    role = table.resource_types["role"]
    assert (
        role.format_prefix_arn(
            partition="aws",
            account="755880545038",
            path_prefix="/aws-service-role/opensearchservice.amazonaws.com/",
        )
        == "arn:aws:iam::755880545038:role/aws-service-role/opensearchservice.amazonaws.com/"
    )


def test_create_role_and_attach_policy_condition_keys() -> None:
    iam = load_operation_auth("iam")
    create = iam["CreateRole"]
    assert create.resource == ResourceSpec(
        kind="request", types=("role",), param="RoleName", path_param="Path"
    )
    sources = {use.key: (use.source, use.param) for use in create.condition_keys}
    assert sources == {
        "iam:PermissionsBoundary": ("param", "PermissionsBoundary"),
        "aws:TagKeys": ("tagKeys", "Tags"),
        "aws:RequestTag/${TagKey}": ("tags", "Tags"),
    }
    attach = {use.key: (use.source, use.param) for use in iam["AttachRolePolicy"].condition_keys}
    assert attach["iam:PolicyARN"] == ("param", "PolicyArn")
    # On an existing role the boundary key describes the role, not the request.
    assert attach["iam:PermissionsBoundary"] == ("resource", None)
    assert iam["AttachRolePolicy"].access_level == "Permissions management"


def test_calls_without_user_name_act_on_the_calling_user() -> None:
    iam = load_operation_auth("iam")
    for name in ("GetUser", "CreateAccessKey", "ListAccessKeys", "ListMFADevices"):
        assert iam[name].resource == ResourceSpec(
            kind="entity", types=("user",), param="UserName", default="caller"
        )
    assert iam["ChangePassword"].resource == ResourceSpec(kind="caller", types=("user",))


def test_renames_are_authorized_on_old_and_new_names() -> None:
    iam = load_operation_auth("iam")
    for name, new in (
        ("UpdateUser", "NewUserName"),
        ("UpdateGroup", "NewGroupName"),
        ("UpdateServerCertificate", "NewServerCertificateName"),
    ):
        (extra,) = iam[name].additional_actions
        assert extra.action == iam[name].action
        assert extra.resource.kind == "renamed" and extra.resource.param == new


def test_add_role_to_instance_profile_needs_pass_role_on_the_role() -> None:
    op = load_operation_auth("iam")["AddRoleToInstanceProfile"]
    assert op.dependent_actions == ("iam:PassRole",)
    (extra,) = op.additional_actions
    assert extra.action == "iam:PassRole"
    assert extra.resource == ResourceSpec(kind="entity", types=("role",), param="RoleName")


def test_sts_evaluation_models() -> None:
    sts = load_operation_auth("sts")
    assert sts["AssumeRole"].evaluation == "identity-and-trust-policy"
    assert sts["AssumeRoleWithSAML"].evaluation == "trust-policy"
    assert sts["AssumeRoleWithWebIdentity"].evaluation == "trust-policy"
    assert not sts["GetCallerIdentity"].requires_authorization
    assert not sts["GetSessionToken"].requires_authorization
    assert sts["GetFederationToken"].requires_authorization
    assert sts["AssumeRole"].resource == ResourceSpec(kind="arn", types=("role",), param="RoleArn")
    keys = {use.key: use.param for use in sts["AssumeRole"].condition_keys if use.param}
    assert keys["sts:ExternalId"] == "ExternalId"
    assert keys["sts:RoleSessionName"] == "RoleSessionName"
    assert keys["sts:SourceIdentity"] == "SourceIdentity"
    assert keys["sts:TransitiveTagKeys"] == "TransitiveTagKeys"
    actions = {extra.action: extra.when for extra in sts["AssumeRole"].additional_actions}
    assert actions["sts:TagSession"] == ("Tags", "TransitiveTagKeys")
    assert actions["sts:SetSourceIdentity"] == ("SourceIdentity",)


def test_federation_token_resource_is_the_federated_user() -> None:
    table = load_service_auth("sts")
    spec = table.operations["GetFederationToken"].resource
    assert spec == ResourceSpec(kind="request", types=("federated-user",), param="Name")
    arn = table.resource_types["federated-user"].format_arn(
        partition="aws", account="11111111", name="Digdag-Rrdshift-Operator"
    )
    assert arn == "arn:aws:sts::11111111:federated-user/Digdag-Rrdshift-Operator"


# ----------------------------------------------------------------------- ARN building


def test_format_arn_puts_the_path_in_entity_arns() -> None:
    types = load_service_auth("iam").resource_types
    arn = types["role"].format_arn(
        partition="aws",
        account="123456789012",
        name="MyRole",
        path="/division_abc/subdivision_xyz/",
    )
    assert arn == "arn:aws:iam::123456789012:role/division_abc/subdivision_xyz/MyRole"
    assert types["user"].format_arn(partition="aws-cn", account="1", name="bob") == (
        "arn:aws-cn:iam::1:user/bob"
    )
    assert not types["oidc-provider"].has_path
    assert types["oidc-provider"].format_arn(
        partition="aws", account="1", name="token.actions.githubusercontent.com", path="/x/"
    ) == ("arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com")


@pytest.mark.parametrize("path", ["", "x", "/x", "x/"])
def test_format_arn_rejects_malformed_paths(path: str) -> None:
    role = load_service_auth("iam").resource_types["role"]
    with pytest.raises(ValueError):
        role.format_arn(partition="aws", account="1", name="r", path=path)


def test_format_arn_refuses_templates_with_several_variables() -> None:
    template = load_service_auth("iam").resource_types["role-template"]
    with pytest.raises(ValueError):
        template.format_arn(partition="aws", account="1", name="x")


# ------------------------------------------------------------------- parse validation


def _mutations() -> Iterator[tuple[str, Any]]:
    def op(data: dict[str, Any]) -> dict[str, Any]:
        ops: dict[str, Any] = data["operations"]["CreateRole"]
        return ops

    yield "unknown resource type", lambda d: op(d)["resource"].update(type="nope")
    yield (
        "unknown condition key",
        lambda d: op(d)["conditionKeys"].append({"key": "iam:Nope", "source": "resource"}),
    )
    yield "unknown kind", lambda d: op(d)["resource"].update(kind="sideways")
    yield "missing param", lambda d: op(d)["resource"].pop("param")
    yield (
        "param on resource source",
        lambda d: op(d)["conditionKeys"].append(
            {"key": "aws:TagKeys", "source": "resource", "param": "Tags"}
        ),
    )
    yield "foreign namespace", lambda d: op(d).update(action="sts:CreateRole")
    yield "malformed action", lambda d: op(d).update(action="iam CreateRole")
    yield "unexpected field", lambda d: op(d).update(reosurce={})
    yield "bad access level", lambda d: op(d).update(accessLevel="Admin")
    yield "readOnly not bool", lambda d: op(d).update(readOnly="yes")
    yield (
        "bad resource-type key",
        lambda d: d["resourceTypes"]["role"].update(conditionKeys=["aws:Nope"]),
    )
    yield (
        "arn kind without types",
        lambda d: d["operations"]["GetPolicy"]["resource"].update(types=[]),
    )


@pytest.mark.parametrize(("label", "mutate"), list(_mutations()), ids=lambda v: str(v)[:30])
def test_malformed_tables_are_rejected(label: str, mutate: Any) -> None:
    data = copy.deepcopy(raw_table("iam"))
    parse_service_auth(copy.deepcopy(data))  # the unmodified table is valid
    mutate(data)
    with pytest.raises(SpecError):
        parse_service_auth(data)


@pytest.mark.parametrize("raw", [None, [], "x", {"service": "iam"}])
def test_non_tables_are_rejected(raw: object) -> None:
    with pytest.raises(SpecError):
        parse_service_auth(raw)


# ------------------------------------------------------------------------ the document


def test_document_lists_every_operation_with_its_action() -> None:
    text = DOC.read_text(encoding="utf-8")
    for op in all_operations():
        assert f"| {op.service} | {op.operation} | `{op.action}` |" in text, op.operation
    for service in SERVICES:
        for op in load_operation_auth(service).values():
            if op.note:
                assert op.operation in text
