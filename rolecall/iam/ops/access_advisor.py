"""GenerateServiceLastAccessedDetails and the two Get* calls that read its report.

The report (:mod:`rolecall.iam.access_advisor`) is computed when requested and
stored, so the job is COMPLETED by the time its id is returned; the Get* calls
page through it.  Only the principal that generated a report may read it (the
same user, or the same role from any of its sessions), as AWS documents.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, select

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.auth.principal import Principal, PrincipalKind
from rolecall.protocol.errors import InvalidInput, NoSuchEntity
from rolecall.protocol.request_ids import new_request_id
from rolecall.store import schema as t

from ..access_advisor import build_report, identity_target, policy_target
from ..paging import page
from ..simulation_inputs import entity_arn
from .managed_policies import no_such_policy

_POLICY_ARN = re.compile(r"arn:aws[a-z-]*:iam::(?:aws|\d{12}):policy/.+")


def _requester(principal: Principal) -> str:
    if principal.kind is PrincipalKind.ASSUMED_ROLE and principal.role_id:
        return f"role:{principal.role_id}"
    return principal.arn


@operation("iam", "GenerateServiceLastAccessedDetails")
def generate_service_last_accessed_details(call: Call) -> dict[str, Any]:
    arn: str = call.params["Arn"]
    granularity: str = call.params.get("Granularity") or "SERVICE_LEVEL"
    view = call.view
    if _POLICY_ARN.fullmatch(arn):
        document = view.policy_document(arn)
        if document is None:
            raise no_such_policy(arn)
        policies, entities = policy_target(view, arn, document)
    else:
        try:
            parsed = entity_arn(arn)
        except InvalidInput:
            raise InvalidInput(
                f"ARN {arn} is not valid: it must name a user, group, role or policy."
            ) from None
        policies, entities = identity_target(view, parsed)
    now = call.now
    report = build_report(view, policies, entities, granularity, now)
    job_id = new_request_id()
    with call.runtime.store.write() as conn:
        conn.execute(
            insert(t.access_advisor_jobs).values(
                id=job_id,
                account_id=call.account_id,
                requester=_requester(call.principal),
                arn=arn,
                granularity=granularity,
                created_at=now,
                completed_at=now,
                report=json.dumps(report, separators=(",", ":")),
            )
        )
    return {"JobId": job_id}


def _job(call: Call) -> Any:
    job_id: str = call.params["JobId"]
    with call.runtime.store.read() as conn:
        row = conn.execute(
            select(t.access_advisor_jobs).where(
                and_(
                    t.access_advisor_jobs.c.id == job_id,
                    t.access_advisor_jobs.c.account_id == call.account_id,
                )
            )
        ).first()
    # Someone else's job is as good as no job (its id must not reveal anything).
    if row is None or row.requester != _requester(call.principal):
        raise NoSuchEntity(f"The job with ID {job_id} cannot be found.")
    return row


def _dates(entry: dict[str, Any], *keys: str) -> dict[str, Any]:
    out = dict(entry)
    for key in keys:
        if key in out:
            out[key] = datetime.fromisoformat(out[key])
    return out


@operation("iam", "GetServiceLastAccessedDetails")
def get_service_last_accessed_details(call: Call) -> dict[str, Any]:
    row = _job(call)
    services = json.loads(row.report)["services"]
    chunk, extra = page(services, call.params, lambda s: (s["ServiceNamespace"],))
    listed = []
    for service in chunk:
        entry = _dates(service, "LastAuthenticated")
        if "TrackedActionsLastAccessed" in entry:
            entry["TrackedActionsLastAccessed"] = [
                _dates(a, "LastAccessedTime") for a in entry["TrackedActionsLastAccessed"]
            ]
        listed.append(entry)
    return {
        "JobStatus": "COMPLETED",
        "JobType": row.granularity,
        "JobCreationDate": row.created_at,
        "JobCompletionDate": row.completed_at,
        "ServicesLastAccessed": listed,
        **extra,
    }


@operation("iam", "GetServiceLastAccessedDetailsWithEntities")
def get_service_last_accessed_details_with_entities(call: Call) -> dict[str, Any]:
    row = _job(call)
    report = json.loads(row.report)
    namespace: str = call.params["ServiceNamespace"]
    access: dict[str, list[str]] | None = report["access"].get(namespace)
    details: list[tuple[tuple[str, ...], dict[str, Any]]] = []
    if access is not None:  # the report's policies could reach this service
        for info in report["entities"]:
            seen = access.get(info["Arn"])
            entry: dict[str, Any] = {"EntityInfo": info}
            if seen is not None:
                entry["LastAuthenticated"] = datetime.fromisoformat(seen[0])
                # Most recent first: "1" sorts before "2", then newer before older.
                key = ("1", _descending(seen[0]), info["Arn"])
            else:
                key = ("2", info["Name"].lower(), info["Arn"])
            details.append((key, entry))
    details.sort(key=lambda d: d[0])
    chunk, extra = page(details, call.params, lambda d: d[0])
    return {
        "JobStatus": "COMPLETED",
        "JobCreationDate": row.created_at,
        "JobCompletionDate": row.completed_at,
        "EntityDetailsList": [entry for _, entry in chunk],
        **extra,
    }


def _descending(iso: str) -> str:
    # A string that sorts newest first: invert every digit of the timestamp.
    return iso.translate(str.maketrans("0123456789", "9876543210"))
