"""ListPoliciesGrantingServiceAccess: which of an identity's policies reach a service.

The identity's permissions policies (:mod:`rolecall.iam.permission_policies`);
whether one grants a service is :func:`rolecall.policy.services.grants_service`.
Entries come in the order the request names the namespaces (each once), paged
100 at a time by ``Marker``.
"""

from __future__ import annotations

from typing import Any

from rolecall.api.call import Call
from rolecall.api.registry import operation
from rolecall.policy.services import grants_service

from ..paging import page
from ..permission_policies import permissions_policies
from ..simulation_inputs import entity_arn


@operation("iam", "ListPoliciesGrantingServiceAccess")
def list_policies_granting_service_access(call: Call) -> dict[str, Any]:
    p = call.params
    policies = permissions_policies(call.view, entity_arn(p["Arn"]))
    namespaces = list(dict.fromkeys(p["ServiceNamespaces"]))
    entries = []
    for position, namespace in enumerate(namespaces):
        granting = [entry for entry, policy in policies if grants_service(policy, namespace)]
        entries.append((f"{position:04d}", {"ServiceNamespace": namespace, "Policies": granting}))
    chunk, extra = page(entries, p, lambda item: (item[0],))
    return {"PoliciesGrantingServiceAccess": [entry for _, entry in chunk], **extra}
