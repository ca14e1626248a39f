"""The 15-minute window: boundaries, AWS's messages, and the opt-in presign expiry."""

from __future__ import annotations

import pytest
from sigv4_helpers import SIGNING_EPOCH, presign, sign

from rolecall.auth.sigv4 import (
    AuthorizationQueryParametersError,
    PresignedRequestExpired,
    SignatureDoesNotMatch,
    check_freshness,
    parse_signed_request,
)

T = SIGNING_EPOCH  # the request was signed at 2024-05-01T12:00:00Z
HEADER_INFO = parse_signed_request(sign())
PRESIGNED_INFO = parse_signed_request(presign(expires=3600))


@pytest.mark.parametrize("info", [HEADER_INFO, PRESIGNED_INFO], ids=["header", "presigned"])
@pytest.mark.parametrize("offset", [-900, -899.5, -1, 0, 0.999, 1, 899, 900, 900.999])
def test_inside_window(info: object, offset: float) -> None:
    check_freshness(info, T + offset)  # type: ignore[arg-type]


@pytest.mark.parametrize("info", [HEADER_INFO, PRESIGNED_INFO], ids=["header", "presigned"])
def test_expired_message(info: object) -> None:
    with pytest.raises(SignatureDoesNotMatch) as caught:
        check_freshness(info, T + 901)  # type: ignore[arg-type]
    assert caught.value.status == 403
    assert caught.value.code == "SignatureDoesNotMatch"
    assert caught.value.message == (
        "Signature expired: 20240501T120000Z is now earlier than 20240501T120001Z "
        "(20240501T121501Z - 15 min.)"
    )


@pytest.mark.parametrize("info", [HEADER_INFO, PRESIGNED_INFO], ids=["header", "presigned"])
def test_not_yet_current_message(info: object) -> None:
    with pytest.raises(SignatureDoesNotMatch) as caught:
        check_freshness(info, T - 901)  # type: ignore[arg-type]
    assert caught.value.message == (
        "Signature not yet current: 20240501T120000Z is still later than 20240501T115959Z "
        "(20240501T114459Z + 15 min.)"
    )


def test_far_away_times() -> None:
    with pytest.raises(SignatureDoesNotMatch, match=r"^Signature expired"):
        check_freshness(HEADER_INFO, T + 10 * 365 * 86400)
    with pytest.raises(SignatureDoesNotMatch, match=r"^Signature not yet current"):
        check_freshness(HEADER_INFO, 0.0)


def test_aws_ignores_x_amz_expires_for_iam_and_sts() -> None:
    # X-Amz-Expires=1 and =0 are still good for the whole window, as STS does (EKS
    # tokens carried X-Amz-Expires=0 for years); a long expiry does not extend it.
    for expires in (0, 1):
        check_freshness(parse_signed_request(presign(expires=expires)), T + 899)
    with pytest.raises(SignatureDoesNotMatch):
        check_freshness(parse_signed_request(presign(expires=86400)), T + 3600)


def test_parse_applies_window_when_given_now() -> None:
    parse_signed_request(sign(), now=T + 900)
    with pytest.raises(SignatureDoesNotMatch, match=r"^Signature expired"):
        parse_signed_request(sign(), now=T + 901)
    with pytest.raises(SignatureDoesNotMatch, match=r"^Signature not yet current"):
        parse_signed_request(presign(), now=T - 901)


class TestEnforcedExpiry:
    """S3-style X-Amz-Expires rules, only when asked for."""

    def test_valid_until_date_plus_expires(self) -> None:
        info = parse_signed_request(presign(expires=3600))
        check_freshness(info, T + 3600, enforce_expires=True)
        check_freshness(info, T - 900, enforce_expires=True)
        with pytest.raises(PresignedRequestExpired) as caught:
            check_freshness(info, T + 3601, enforce_expires=True)
        assert (caught.value.code, caught.value.status, caught.value.message) == (
            "AccessDenied",
            403,
            "Request has expired",
        )
        with pytest.raises(SignatureDoesNotMatch, match=r"^Signature not yet current"):
            check_freshness(info, T - 901, enforce_expires=True)

    def test_short_expiry_ends_early(self) -> None:
        info = parse_signed_request(presign(expires=10))
        check_freshness(info, T + 10, enforce_expires=True)
        with pytest.raises(PresignedRequestExpired):
            check_freshness(info, T + 11, enforce_expires=True)

    def test_expires_limits(self) -> None:
        check_freshness(parse_signed_request(presign(expires=604800)), T, enforce_expires=True)
        with pytest.raises(AuthorizationQueryParametersError) as caught:
            check_freshness(parse_signed_request(presign(expires=604801)), T, enforce_expires=True)
        assert caught.value.status == 400
        assert caught.value.message.startswith("X-Amz-Expires must be less than a week")

    def test_missing_expires(self) -> None:
        info = parse_signed_request(presign())
        no_expiry = type(info)(**{**{f: getattr(info, f) for f in info.__slots__}, "expires": None})
        with pytest.raises(AuthorizationQueryParametersError, match="should be a number"):
            check_freshness(no_expiry, T, enforce_expires=True)

    def test_header_auth_unaffected(self) -> None:
        check_freshness(HEADER_INFO, T + 900, enforce_expires=True)
        with pytest.raises(SignatureDoesNotMatch):
            check_freshness(HEADER_INFO, T + 901, enforce_expires=True)
