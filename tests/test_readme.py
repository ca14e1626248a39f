"""The README's quick start runs verbatim with the AWS CLI against a real server."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

README = Path(__file__).parent.parent / "README.md"


def quick_start_script() -> str:
    text = README.read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    # The first block starts the server (the fixture does that); the rest is the tutorial.
    assert len(blocks) >= 2, "the quick start lost its tutorial block"
    return "\n".join(blocks[1:])


def test_readme_quick_start(account, tmp_path) -> None:  # type: ignore[no-untyped-def]
    script = quick_start_script()
    assert (
        "aws iam create-role --role-name MyEC2Role --assume-role-policy-document file://trust-policy.json"
        in script
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=account.server.endpoint,
        AWS_ACCESS_KEY_ID=account.access_key_id,
        AWS_SECRET_ACCESS_KEY=account.secret_access_key,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(tmp_path / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
    )
    out = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert '"RoleName": "MyEC2Role"' in out.stdout
    assert f'"Arn": "arn:aws:iam::{account.id}:role/MyEC2Role"' in out.stdout
    assert '"Service": "ec2.amazonaws.com"' in out.stdout


def test_readme_bootstrap_example(tmp_path: Path) -> None:
    """The README's ``--bootstrap`` example is a working file."""
    import boto3
    import yaml
    from conftest import running_server  # type: ignore[import-not-found]

    text = README.read_text()
    section = text.split("`--bootstrap`", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```yaml\n(.*?)```", section, re.S)
    data = yaml.safe_load(block)
    spec = data["accounts"][0]
    boot = tmp_path / "lab.yaml"
    boot.write_text(block)
    with running_server("sqlite", tmp_path, "--bootstrap", str(boot)) as server:
        root = boto3.client(
            "iam",
            endpoint_url=server.endpoint,
            region_name="us-east-1",
            aws_access_key_id=spec["root_access_key_id"],
            aws_secret_access_key=spec["root_secret_access_key"],
        )
        role = root.get_role(RoleName="Deployer")["Role"]
        assert role["Arn"] == f"arn:aws:iam::{spec['id']}:role/Deployer"
        key = spec["users"][0]["access_keys"][0]
        sts = boto3.client(
            "sts",
            endpoint_url=server.endpoint,
            region_name="us-east-1",
            aws_access_key_id=key["id"],
            aws_secret_access_key=key["secret"],
        )
        me = sts.get_caller_identity()
        assert me["Arn"] == f"arn:aws:iam::{spec['id']}:user/alice"
