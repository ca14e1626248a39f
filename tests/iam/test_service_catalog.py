"""The packaged service list is what its generator makes from the pinned inputs."""

from __future__ import annotations

from rolecall.iam.service_catalog import generate, service_names


def test_packaged_list_is_up_to_date() -> None:
    # Regenerate with: python -m rolecall.iam.service_catalog > rolecall/data/services.json
    assert service_names() == generate()


def test_known_services() -> None:
    names = service_names()
    assert names["iam"] == "AWS Identity and Access Management"
    assert names["sts"] == "AWS Security Token Service"
    assert names["s3"] == "Amazon Simple Storage Service"
    assert list(names) == sorted(names) and len(names) > 300
