"""rolecall's endpoint under load, against a bare ASGI app and moto_server, in one run.

Workloads (each from a separate load process, 32 connections, one server worker):

* GetUser — an IAM user reads itself (SigV4 verification, authorization, the
  operation, XML, an audit record);
* ListRoles — one page of 100 out of 1,000 roles (alternating first and later pages);
* CreateRole+DeleteRole — pairs in order per client (durable writes and audit);
* AssumeRole — a user assumes a role (trust policy evaluation, a session token,
  the audit record durably written before the reply);
* GetCallerIdentity with the resulting session credentials.

The anchor is the bare ASGI app, served by stock uvicorn with rolecall's
settings and loaded by the same wrk command, measured in the same run.  A
second row serves it on rolecall's own HTTP protocol (uvicorn's, with a
response's head and body sent in one write: :mod:`rolecall.server.transport`),
so the protocol's share of rolecall's ratio can be read off.  moto_server answers
the same calls (it accepts any signature and enforces nothing).  Calibration
rows run the anchor with a fixed amount of CPU work per request
(:mod:`bench.fixed_cost`): they turn "a fraction of hello-world" into a budget
of microseconds per request on this machine.
"""

from __future__ import annotations

import functools
import json
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import boto3
from botocore.credentials import Credentials

from . import processes
from .load import LoadResult, Signed, have_wrk, run_pairs, run_wrk, sign

SECONDS = 10
CONNECTIONS = 32
#: Fixed per-request CPU costs (µs) of the calibration app (bench/fixed_cost.py).
CALIBRATION_US = (25, 50, 100)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


@dataclass
class Row:
    """One line of the report."""

    workload: str
    target: str
    result: LoadResult


def _q(**params: str) -> str:
    return urlencode(params)


def _user() -> Credentials:
    return Credentials(*processes.USER_KEY)


def _read_workloads(url: str) -> dict[str, list[Signed]]:
    user = _user()
    pages = [
        sign(url, "iam", _q(Action="ListRoles", Version="2010-05-08", MaxItems="100"), user),
    ]
    # A later page: find its marker by walking the pages once.
    iam = boto3.client(
        "iam",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=user.access_key,
        aws_secret_access_key=user.secret_key,
    )
    marker = None
    for _ in range(5):
        out = iam.list_roles(MaxItems=100, **({"Marker": marker} if marker else {}))
        marker = out.get("Marker")
    if marker:
        pages.append(
            sign(
                url,
                "iam",
                _q(Action="ListRoles", Version="2010-05-08", MaxItems="100", Marker=marker),
                user,
            )
        )
    return {
        "GetUser": [sign(url, "iam", _q(Action="GetUser", Version="2010-05-08"), user)],
        "ListRoles (1,000 roles, page of 100)": pages,
        "AssumeRole": [
            sign(
                url,
                "sts",
                _q(
                    Action="AssumeRole",
                    Version="2011-06-15",
                    RoleArn=f"arn:aws:iam::{processes.ACCOUNT}:role/BenchRole",
                    RoleSessionName="bench",
                ),
                user,
            )
        ],
    }


def _session_identity(url: str) -> list[Signed]:
    user = _user()
    sts = boto3.client(
        "sts",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=user.access_key,
        aws_secret_access_key=user.secret_key,
    )
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{processes.ACCOUNT}:role/BenchRole", RoleSessionName="bench"
    )["Credentials"]
    session = Credentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    return [sign(url, "sts", _q(Action="GetCallerIdentity", Version="2011-06-15"), session)]


def _pair(name: str) -> list[str]:
    return [
        _q(
            Action="CreateRole",
            Version="2010-05-08",
            RoleName=f"bench-{name}",
            AssumeRolePolicyDocument=TRUST,
        ),
        _q(Action="DeleteRole", Version="2010-05-08", RoleName=f"bench-{name}"),
    ]


def _prepare_moto(url: str) -> None:
    iam = boto3.client(
        "iam",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="y",
    )
    iam.create_user(UserName="bench")
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
            ],
        }
    )
    iam.create_role(RoleName="BenchRole", AssumeRolePolicyDocument=trust)
    for i in range(999):
        iam.create_role(RoleName=f"role-{i:04d}", AssumeRolePolicyDocument=trust)


def run(seconds: int = SECONDS) -> list[Row]:
    """Measure every workload against every target."""
    if not have_wrk():
        raise SystemExit("wrk is needed: apt-get install wrk")
    rows: list[Row] = []
    anchors: list[tuple[str, Callable[[], AbstractContextManager[str]]]] = [
        ("hello-world ASGI", processes.hello),
        ("hello-world, rolecall's HTTP protocol", processes.hello_coalescing),
        *(
            (f"hello-world + {work} µs of work", functools.partial(processes.hello, work))
            for work in CALIBRATION_US
        ),
    ]
    for name, start in anchors:
        with start() as url:
            signed = [sign(url, "iam", _q(Action="GetUser", Version="2010-05-08"), _user())]
            run_wrk(url, signed, seconds=2, connections=CONNECTIONS)
            rows.append(
                Row(
                    "(any request)",
                    name,
                    run_wrk(url, signed, seconds=seconds, connections=CONNECTIONS),
                )
            )
    with tempfile.TemporaryDirectory() as tmp, processes.rolecall(Path(tmp), roles=999) as url:
        workloads = _read_workloads(url)
        workloads["GetCallerIdentity (session credentials)"] = _session_identity(url)
        for name, requests in workloads.items():
            run_wrk(url, requests, seconds=2, connections=CONNECTIONS)
            rows.append(
                Row(
                    name,
                    "rolecall",
                    run_wrk(url, requests, seconds=seconds, connections=CONNECTIONS),
                )
            )
        writer = Credentials(*processes.WRITER_KEY)
        rows.append(
            Row(
                "CreateRole+DeleteRole",
                "rolecall",
                run_pairs(url, writer, _pair, seconds=seconds, clients=CONNECTIONS),
            )
        )
    with processes.moto() as url:
        _prepare_moto(url)
        moto_workloads = _read_workloads(url)
        moto_workloads["GetUser"] = [
            sign(url, "iam", _q(Action="GetUser", Version="2010-05-08", UserName="bench"), _user())
        ]
        moto_workloads["GetCallerIdentity (session credentials)"] = _session_identity(url)
        for name, requests in moto_workloads.items():
            rows.append(
                Row(
                    name,
                    "moto_server",
                    run_wrk(url, requests, seconds=seconds, connections=CONNECTIONS),
                )
            )
        rows.append(
            Row(
                "CreateRole+DeleteRole",
                "moto_server",
                run_pairs(url, _user(), _pair, seconds=seconds, clients=CONNECTIONS),
            )
        )
    return rows


def report(rows: list[Row]) -> str:
    """Markdown table with ratios to hello-world (stock, and on rolecall's protocol) and moto."""
    hello = next(r.result.rate for r in rows if r.target == "hello-world ASGI")
    same_protocol = next(
        (r.result.rate for r in rows if r.target == "hello-world, rolecall's HTTP protocol"),
        None,
    )
    moto = {r.workload: r.result.rate for r in rows if r.target == "moto_server"}
    lines = [
        "| workload | server | requests/s | p50 ms | p99 ms | errors | vs hello-world "
        "| vs hello-world on rolecall's protocol | vs moto_server |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        vs_hello = f"{r.result.rate / hello:.0%}"
        vs_same = (
            f"{r.result.rate / same_protocol:.0%}"
            if same_protocol and r.target == "rolecall"
            else ""
        )
        vs_moto = (
            f"{r.result.rate / moto[r.workload]:.1f}×"
            if r.target == "rolecall" and r.workload in moto
            else ""
        )
        res = r.result
        cells = [r.workload, r.target, f"{res.rate:,.0f}", f"{res.p50_ms:.2f}", f"{res.p99_ms:.2f}"]
        lines.append(
            "| " + " | ".join([*cells, str(res.errors), vs_hello, vs_same, vs_moto]) + " |"
        )
    return "\n".join(lines)


def main() -> None:
    """Print the report."""
    print(report(run()))
