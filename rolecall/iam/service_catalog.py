"""AWS service namespaces and their names, for the access advisor.

"Every service the entity could access" needs a list of services: the
namespaces that AWS's managed policies name (every service with IAM actions
appears in at least one), each with the full name botocore's service models
give it (``serviceFullName``, matched by signing name or endpoint prefix), or
the namespace itself where botocore has no model for it.  Loading ~400 service
models takes seconds, so the list is generated once into
``rolecall/data/services.json``:

    python -m rolecall.iam.service_catalog > rolecall/data/services.json
"""

from __future__ import annotations

import json
import sys
from functools import cache
from importlib import resources

from .catalog import load_catalog


@cache
def service_names() -> dict[str, str]:
    """``{namespace: service name}``, sorted by namespace."""
    text = resources.files("rolecall.data").joinpath("services.json").read_text("utf-8")
    names: dict[str, str] = json.loads(text)
    return names


def _namespaces_of(document: object) -> set[str]:
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    if isinstance(statements, dict):
        statements = [statements]
    found: set[str] = set()
    for statement in statements:
        for key in ("Action", "NotAction"):
            value = statement.get(key, [])
            for action in [value] if isinstance(value, str) else value:
                service, colon, _ = action.partition(":")
                if colon and "*" not in service and "?" not in service:
                    found.add(service.lower())
    return found


def generate() -> dict[str, str]:
    """Build the list from the packaged managed policies and botocore's models."""
    import botocore.session

    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    full_names: dict[str, str] = {}
    for service in session.get_available_services():
        version = loader.determine_latest_version(service, "service-2")
        metadata = loader.load_service_model(service, "service-2", version)["metadata"]
        for key in (metadata.get("signingName"), metadata.get("endpointPrefix")):
            if key and metadata.get("serviceFullName"):
                full_names.setdefault(key.lower(), metadata["serviceFullName"])
    namespaces = {"iam", "sts"}
    for policy in load_catalog().policies:
        namespaces |= _namespaces_of(json.loads(policy.document))
    return {ns: full_names.get(ns, ns) for ns in sorted(namespaces)}


if __name__ == "__main__":
    json.dump(generate(), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
