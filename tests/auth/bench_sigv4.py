"""Micro-benchmark of SigV4 verification (not a test; run it by hand).

    python tests/auth/bench_sigv4.py

Times parse + freshness + verify of typical botocore requests with a warm key cache,
and the cost of a cold key (derivation) for comparison.
"""

from __future__ import annotations

import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sigv4_helpers import SECRET_KEY, SESSION_TOKEN, SIGNING_EPOCH, presign, sign

from rolecall.auth.sigv4 import (
    HttpRequest,
    SigV4Verifier,
    check_freshness,
    derive_signing_key,
    parse_signed_request,
)

FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
CASES: dict[str, HttpRequest] = {
    "iam ListUsers (POST form)": sign(
        body="Action=ListUsers&Version=2010-05-08&MaxItems=100", headers=FORM
    ),
    "sts AssumeRole + token": sign(
        url="https://sts.amazonaws.com/",
        service="sts",
        token=SESSION_TOKEN,
        headers=FORM,
        body="Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012"
        "%3Arole%2Fr&RoleSessionName=s1&DurationSeconds=3600" + "&Policy=" + "%7B%22x%22" * 100,
    ),
    "presigned GetCallerIdentity": presign(token=SESSION_TOKEN),
}


def main() -> None:
    """Print microseconds per verification for each case."""
    verifier = SigV4Verifier()
    rounds = 20000
    for name, req in CASES.items():

        def once(req: HttpRequest = req) -> None:
            info = parse_signed_request(req)
            check_freshness(info, SIGNING_EPOCH)
            verifier.verify(req, info, SECRET_KEY)

        once()
        seconds = min(timeit.repeat(once, number=rounds, repeat=3)) / rounds
        print(f"{name:32s} {seconds * 1e6:7.1f} us")
    derive = min(
        timeit.repeat(
            lambda: derive_signing_key(SECRET_KEY, "20240501", "us-east-1", "iam"),
            number=rounds,
            repeat=3,
        )
    )
    print(f"{'key derivation (cold cache)':32s} {derive / rounds * 1e6:7.1f} us")


if __name__ == "__main__":
    main()
