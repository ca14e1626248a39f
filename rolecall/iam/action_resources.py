"""The resource type an action acts on, for the simulator's ``EvalResourceName``.

When a simulation covers several resources, AWS reports one result per action
whose ``EvalResourceName`` is the ARN template of the simulated resource type
(``arn:${Partition}:iam::${Account}:user/${UserNameWithPath}``), or ``*`` when no
ARN format is defined for the action.  rolecall knows the resource types of the
IAM and STS actions from its authorization tables; for other services' actions
it has no reference data and answers ``*``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache

from rolecall.authz.spec import SERVICES, ResourceSpec, ServiceAuth, load_service_auth

_VARIABLE = re.compile(r"\\\$\\\{[A-Za-z]+\\\}")


@cache
def _templates() -> dict[str, tuple[str, ...]]:
    """Lower-cased action name → ARN templates of the resource types it acts on."""
    found: dict[str, list[str]] = {}
    for service in SERVICES:
        auth = load_service_auth(service)
        for op in auth.operations.values():
            _add(found, auth, op.action, op.resource)
            for extra in op.additional_actions:
                _add(found, auth, extra.action, extra.resource)
    return {action: tuple(templates) for action, templates in found.items()}


def _add(found: dict[str, list[str]], auth: ServiceAuth, action: str, spec: ResourceSpec) -> None:
    templates = found.setdefault(action.lower(), [])
    for name in spec.types:
        rtype = auth.resource_types.get(name)
        if rtype is not None and rtype.arn_template not in templates:
            templates.append(rtype.arn_template)


@cache
def _pattern(template: str) -> re.Pattern[str]:
    return re.compile(_VARIABLE.sub(".+", re.escape(template)))


def arn_templates(action: str) -> tuple[str, ...]:
    """ARN templates of the resource types ``action`` acts on (empty if unknown)."""
    return _templates().get(action.lower(), ())


def resource_template(action: str, resources: Iterable[str]) -> str:
    """The ARN template to report for ``action`` simulated on ``resources``, or ``*``.

    Of the action's resource types, the first one any of the resources is an ARN
    of is chosen; failing that, the action's first resource type.
    """
    templates: Sequence[str] = arn_templates(action)
    if not templates:
        return "*"
    listed = list(resources)
    for template in templates:
        if any(_pattern(template).fullmatch(arn) for arn in listed):
            return template
    return templates[0]
