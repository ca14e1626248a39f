"""Every condition operator, the IfExists and set-operator qualifiers, and how clauses combine.

Each case is one ``Condition`` block on an ``Allow * *`` statement; the request is
allowed exactly when the block holds.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from .helpers import allow, decide, deny, doc, user

OPS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
STRING = OPS + "#Conditions_String"
NUMERIC = OPS + "#Conditions_Numeric"
DATE = OPS + "#Conditions_Date"
BOOL = OPS + "#Conditions_Boolean"
BINARY = OPS + "#Conditions_BinaryEquals"
IP = OPS + "#Conditions_IPAddress"
ARN = OPS + "#Conditions_ARN"
IFEXISTS = OPS + "#Conditions_IfExists"
NULL = OPS + "#Conditions_Null"
# The ARN operators' example value: it only matches when the region wildcard may swallow colons.
SWALLOWING_ARN = (
    "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
)
MULTI = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html"
LOGIC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html"
CONDITION = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html"
)


def holds(condition: dict[str, Any], context: dict[str, Any]) -> bool:
    """Whether ``condition`` holds for a request with ``context``."""
    policy = doc(allow("*", "*", Condition=condition))
    return decide(
        user(), "s3:GetObject", "arn:aws:s3:::b/k", identity=[policy], context=context
    ).allowed


def case(page: str, condition: dict[str, Any], context: dict[str, Any], expected: bool) -> Any:
    """One row of the table; the id names the operator, the page travels with the row."""
    return pytest.param(page, condition, context, expected, id="/".join(condition))


CASES = [
    # -- String ------------------------------------------------------------------------------------
    case(
        STRING,
        {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}},
        {"aws:PrincipalTag/job-category": "iamuser-admin"},
        True,
    ),
    # "Exact matching, case sensitive"
    case(
        STRING,
        {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}},
        {"aws:PrincipalTag/job-category": "IAMUser-Admin"},
        False,
    ),
    # a key missing from the request makes a positive operator false
    case(STRING, {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}}, {}, False),
    # StringEquals takes no wildcards: "*" is a literal asterisk
    case(STRING, {"StringEquals": {"s3:prefix": "home/*"}}, {"s3:prefix": "home/alice"}, False),
    case(STRING, {"StringEquals": {"s3:prefix": "home/*"}}, {"s3:prefix": "home/*"}, True),
    case(
        STRING,
        {"StringNotEquals": {"aws:RequestedRegion": ["eu-central-1", "eu-west-1"]}},
        {"aws:RequestedRegion": "us-east-1"},
        True,
    ),
    case(
        STRING,
        {"StringNotEquals": {"aws:RequestedRegion": ["eu-central-1", "eu-west-1"]}},
        {"aws:RequestedRegion": "eu-west-1"},
        False,
    ),
    # "If the policy condition requires that the key is not matched, such as StringNotLike
    # ..., and the right key is not present, the condition is true."
    case(OPS, {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}, {}, True),
    case(
        STRING,
        {"StringEqualsIgnoreCase": {"aws:PrincipalTag/dept": "Finance"}},
        {"aws:PrincipalTag/dept": "FINANCE"},
        True,
    ),
    case(
        STRING,
        {"StringEqualsIgnoreCase": {"aws:PrincipalTag/dept": "Finance"}},
        {"aws:PrincipalTag/dept": "Fin"},
        False,
    ),
    case(
        STRING,
        {"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/dept": "Finance"}},
        {"aws:PrincipalTag/dept": "fInAnCe"},
        False,
    ),
    case(
        STRING,
        {"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/dept": "Finance"}},
        {"aws:PrincipalTag/dept": "Sales"},
        True,
    ),
    case(STRING, {"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/dept": "Finance"}}, {}, True),
    # StringLike: case-sensitive, * and ? anywhere
    case(
        STRING, {"StringLike": {"s3:prefix": ["", "home/", "home/alice/"]}}, {"s3:prefix": ""}, True
    ),
    case(STRING, {"StringLike": {"s3:prefix": "home/*"}}, {"s3:prefix": "home/alice/docs"}, True),
    case(STRING, {"StringLike": {"s3:prefix": "home/*"}}, {"s3:prefix": "Home/alice"}, False),
    case(
        STRING,
        {"StringLike": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}},
        {"ec2:InstanceType": "t2.micro"},
        True,
    ),
    case(
        STRING,
        {"StringLike": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}},
        {"ec2:InstanceType": "c5.large"},
        False,
    ),
    case(
        STRING,
        {"StringLike": {"aws:UserAgent": "aws-cli/?.*"}},
        {"aws:UserAgent": "aws-cli/2.15"},
        True,
    ),
    case(
        STRING,
        {"StringLike": {"aws:UserAgent": "aws-cli/?.*"}},
        {"aws:UserAgent": "aws-cli/10.1"},
        False,
    ),
    # a StringLike * also spans colons and slashes (it is plain string matching) -- the
    # ARN operators section contrasts exactly this
    case(
        ARN,
        {"StringLike": {"aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*"}},
        {"aws:SourceArn": SWALLOWING_ARN},
        True,
    ),
    case(STRING, {"StringNotLike": {"s3:prefix": "home/*"}}, {"s3:prefix": "home/x"}, False),
    case(STRING, {"StringNotLike": {"s3:prefix": "home/*"}}, {"s3:prefix": "tmp/x"}, True),
    case(OPS, {"StringNotLike": {"s3:prefix": "home/*"}}, {}, True),
    # -- Numeric ----------------------------------------------------------------------------------
    case(NUMERIC, {"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, True),
    case(NUMERIC, {"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "11"}, False),
    case(NUMERIC, {"NumericLessThanEquals": {"s3:max-keys": "10"}}, {}, False),
    case(NUMERIC, {"NumericEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10.0"}, True),
    case(NUMERIC, {"NumericEquals": {"s3:max-keys": 10}}, {"s3:max-keys": "10"}, True),
    case(NUMERIC, {"NumericEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "9"}, False),
    case(NUMERIC, {"NumericNotEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "9"}, True),
    case(NUMERIC, {"NumericNotEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, False),
    case(NUMERIC, {"NumericNotEquals": {"s3:max-keys": "10"}}, {}, True),
    case(NUMERIC, {"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "9.5"}, True),
    case(NUMERIC, {"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, False),
    case(NUMERIC, {"NumericGreaterThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "10.01"}, True),
    case(NUMERIC, {"NumericGreaterThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "-11"}, False),
    case(NUMERIC, {"NumericGreaterThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, True),
    case(
        NUMERIC,
        {"NumericGreaterThanEquals": {"s3:max-keys": "10"}},
        {"s3:max-keys": "9.999"},
        False,
    ),
    # a value that is no number matches no numeric comparison
    case(NUMERIC, {"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "ten"}, False),
    # OR across the policy values
    case(NUMERIC, {"NumericEquals": {"s3:max-keys": ["5", "10"]}}, {"s3:max-keys": "5"}, True),
    # -- Date -------------------------------------------------------------------------------------
    case(
        DATE,
        {"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}},
        {"aws:TokenIssueTime": "2020-06-30T12:00:00Z"},
        True,
    ),
    case(
        DATE,
        {"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}},
        {"aws:TokenIssueTime": "2019-12-31T23:59:59Z"},
        False,
    ),
    # "The aws:TokenIssueTime key is present in the request context only when the
    # principal uses temporary credentials" -- so an IAM user's request fails the test.
    case(DATE, {"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}, {}, False),
    case(
        DATE,
        {"DateEquals": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
        {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
        True,
    ),
    # ISO 8601 with an offset names the same instant as its UTC form
    case(
        DATE,
        {"DateEquals": {"aws:CurrentTime": "2020-01-01T02:00:00+02:00"}},
        {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
        True,
    ),
    # a date-only value is midnight UTC; fractional seconds are kept
    case(
        DATE,
        {"DateEquals": {"aws:CurrentTime": "2020-01-01"}},
        {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
        True,
    ),
    case(
        DATE,
        {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00.5Z"}},
        {"aws:CurrentTime": "2020-01-01T00:00:00.25Z"},
        True,
    ),
    # epoch (UNIX) time on either side, mixed with ISO 8601 on the other
    case(
        DATE,
        {"DateLessThan": {"aws:EpochTime": "1577836800"}},
        {"aws:EpochTime": "1577836799"},
        True,
    ),
    case(
        DATE,
        {"DateLessThan": {"aws:EpochTime": 1577836800}},
        {"aws:EpochTime": "1577836800"},
        False,
    ),
    case(
        DATE,
        {"DateEquals": {"aws:CurrentTime": "1577836800"}},
        {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
        True,
    ),
    case(
        DATE,
        {"DateLessThanEquals": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
        {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
        True,
    ),
    case(
        DATE,
        {"DateGreaterThanEquals": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
        {"aws:CurrentTime": "2019-12-31T23:59:59Z"},
        False,
    ),
    case(
        DATE,
        {"DateNotEquals": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
        {"aws:CurrentTime": "2020-01-02T00:00:00Z"},
        True,
    ),
    case(
        DATE,
        {"DateNotEquals": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
        {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
        False,
    ),
    case(DATE, {"DateNotEquals": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, {}, True),
    # a request value that is no date matches nothing
    case(
        DATE,
        {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
        {"aws:CurrentTime": "soon"},
        False,
    ),
    # -- Bool -------------------------------------------------------------------------------------
    case(BOOL, {"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": False}, True),
    case(BOOL, {"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": "true"}, False),
    case(BOOL, {"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": "TRUE"}, True),
    case(BOOL, {"Bool": {"aws:MultiFactorAuthPresent": "true"}}, {}, False),
    # -- Binary ------------------------------------------------------------------------------------
    case(
        BINARY,
        {"BinaryEquals": {"key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}},
        {"key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="},
        True,
    ),
    case(
        BINARY,
        {"BinaryEquals": {"key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}},
        {"key": base64.b64encode(b"other").decode()},
        False,
    ),
    case(BINARY, {"BinaryEquals": {"key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}, {}, False),
    # -- IP address --------------------------------------------------------------------------------
    case(
        IP,
        {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        {"aws:SourceIp": "203.0.113.255"},
        True,
    ),
    case(
        IP,
        {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        {"aws:SourceIp": "203.0.114.1"},
        False,
    ),
    # "If you specify an IP address without the associated routing prefix, IAM uses the
    # default prefix value of /32."
    case(IP, {"IpAddress": {"aws:SourceIp": "203.0.113.7"}}, {"aws:SourceIp": "203.0.113.7"}, True),
    case(
        IP, {"IpAddress": {"aws:SourceIp": "203.0.113.7"}}, {"aws:SourceIp": "203.0.113.8"}, False
    ),
    case(
        IP,
        {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}},
        {"aws:SourceIp": "2001:db8:1234:5678::1"},
        True,
    ),
    case(
        IP,
        {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}},
        {"aws:SourceIp": "2001:db8:1234:5679::1"},
        False,
    ),
    # an IPv4 address is never inside an IPv6 range and vice versa
    case(IP, {"IpAddress": {"aws:SourceIp": "::/0"}}, {"aws:SourceIp": "10.0.0.1"}, False),
    # "The aws:SourceIp key is always present ... except when the requester uses a VPC
    # endpoint ... In this case, the condition returns false"
    case(IP, {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {}, False),
    case(
        IP,
        {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        {"aws:SourceIp": "198.51.100.1"},
        True,
    ),
    case(
        IP,
        {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        {"aws:SourceIp": "203.0.113.1"},
        False,
    ),
    case(
        IP,
        {"NotIpAddress": {"aws:SourceIp": "2001:DB8::/32"}},
        {"aws:SourceIp": "2001:db8::5"},
        False,
    ),
    case(OPS, {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {}, True),
    # -- ARN --------------------------------------------------------------------------------------
    case(
        ARN,
        {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-2:123456789012:TOPIC-ID"}},
        {"aws:SourceArn": "arn:aws:sns:us-east-2:123456789012:TOPIC-ID"},
        True,
    ),
    case(
        ARN,
        {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-2:123456789012:TOPIC-ID"}},
        {"aws:SourceArn": "arn:aws:sns:us-east-2:123456789012:topic-id"},
        False,
    ),
    # "The ArnEquals and ArnLike condition operators behave identically" -- wildcards too
    case(
        ARN,
        {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}},
        {"aws:SourceArn": "arn:aws:sns:us-east-2:123456789012:TOPIC-ID"},
        True,
    ),
    case(
        ARN,
        {"ArnLike": {"aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*"}},
        {"aws:SourceArn": "arn:aws:someservice:us-east-2:111122223333:finance/document.txt"},
        True,
    ),
    # "With an ArnLike condition, which matches elements between colons, the match fails."
    case(
        ARN,
        {"ArnLike": {"aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*"}},
        {"aws:SourceArn": SWALLOWING_ARN},
        False,
    ),
    case(
        ARN,
        {"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-?:123456789012:T*"}},
        {"aws:SourceArn": "arn:aws:sns:us-east-2:123456789012:TOPIC"},
        True,
    ),
    case(
        ARN,
        {"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-2:123456789012:TOPIC"}},
        {"aws:SourceArn": "not-an-arn"},
        False,
    ),
    case(
        ARN,
        {"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::444455556666:user/user-name"}},
        {"aws:PrincipalArn": "arn:aws:iam::444455556666:user/other"},
        True,
    ),
    case(
        ARN,
        {"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::444455556666:user/user-name"}},
        {"aws:PrincipalArn": "arn:aws:iam::444455556666:user/user-name"},
        False,
    ),
    case(
        ARN,
        {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin-*"}},
        {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/admin-ops"},
        False,
    ),
    case(
        ARN,
        {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin-*"}},
        {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/dev"},
        True,
    ),
    case(OPS, {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin-*"}}, {}, True),
    # -- Null -------------------------------------------------------------------------------------
    # "true (the key doesn't exist -- it is null) or false (the key exists and its value is not
    # null)"
    case(NULL, {"Null": {"aws:TokenIssueTime": "true"}}, {}, True),
    case(
        NULL,
        {"Null": {"aws:TokenIssueTime": "true"}},
        {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"},
        False,
    ),
    case(
        NULL,
        {"Null": {"aws:TokenIssueTime": "false"}},
        {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"},
        True,
    ),
    case(NULL, {"Null": {"aws:TokenIssueTime": False}}, {}, False),
    case(NULL, {"Null": {"aws:TagKeys": "true"}}, {"aws:TagKeys": []}, True),
    # -- ...IfExists -------------------------------------------------------------------------------
    # "If the key is not present, evaluate the condition element as true."
    case(
        IFEXISTS, {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}, {}, True
    ),
    case(
        IFEXISTS,
        {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}},
        {"ec2:InstanceType": "t2.micro"},
        True,
    ),
    case(
        IFEXISTS,
        {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}},
        {"ec2:InstanceType": "c5.large"},
        False,
    ),
    case(IFEXISTS, {"NumericLessThanIfExists": {"s3:max-keys": "10"}}, {}, True),
    case(
        IFEXISTS,
        {"DateGreaterThanIfExists": {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}},
        {},
        True,
    ),
    case(IFEXISTS, {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}, {}, True),
    case(
        IFEXISTS,
        {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},
        {"aws:MultiFactorAuthPresent": "false"},
        False,
    ),
    case(IFEXISTS, {"IpAddressIfExists": {"aws:SourceIp": "203.0.113.0/24"}}, {}, True),
    case(IFEXISTS, {"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:sns:*:*:t"}}, {}, True),
    case(IFEXISTS, {"BinaryEqualsIfExists": {"key": "QQ=="}}, {}, True),
    case(IFEXISTS, {"StringNotEqualsIfExists": {"aws:PrincipalTag/team": "blue"}}, {}, True),
    case(
        IFEXISTS,
        {"StringNotEqualsIfExists": {"aws:PrincipalTag/team": "blue"}},
        {"aws:PrincipalTag/team": "blue"},
        False,
    ),
    # -- keys: case-insensitive names, AND across keys and operators, OR across values --------
    # reference_policies_variables: "Key names are case-insensitive. For example,
    # aws:CurrentTime is equivalent to AWS:currenttime."
    case(
        CONDITION,
        {"StringEquals": {"AWS:PrincipalTag/Team": "blue"}},
        {"aws:principaltag/team": "blue"},
        True,
    ),
    case(
        CONDITION,
        {"DateLessThan": {"AWS:currenttime": "2030-01-01T00:00:00Z"}},
        {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
        True,
    ),
    case(
        LOGIC,
        {"StringEquals": {"aws:PrincipalTag/team": "blue", "aws:PrincipalTag/env": "prod"}},
        {"aws:PrincipalTag/team": "blue", "aws:PrincipalTag/env": "prod"},
        True,
    ),
    case(
        LOGIC,
        {"StringEquals": {"aws:PrincipalTag/team": "blue", "aws:PrincipalTag/env": "prod"}},
        {"aws:PrincipalTag/team": "blue", "aws:PrincipalTag/env": "dev"},
        False,
    ),
    case(
        LOGIC,
        {"StringEquals": {"aws:PrincipalTag/team": ["blue", "green"]}},
        {"aws:PrincipalTag/team": "green"},
        True,
    ),
    case(
        LOGIC,
        {
            "StringEquals": {"aws:PrincipalTag/team": "blue"},
            "IpAddress": {"aws:SourceIp": "203.0.113.0/24"},
        },
        {"aws:PrincipalTag/team": "blue", "aws:SourceIp": "198.51.100.1"},
        False,
    ),
    case(
        LOGIC,
        {
            "StringEquals": {"aws:PrincipalTag/team": "blue"},
            "IpAddress": {"aws:SourceIp": "203.0.113.0/24"},
        },
        {"aws:PrincipalTag/team": "blue", "aws:SourceIp": "203.0.113.9"},
        True,
    ),
    # a negated operator with several values: the request must match none of them
    case(
        LOGIC,
        {"StringNotEquals": {"aws:PrincipalTag/team": ["blue", "green"]}},
        {"aws:PrincipalTag/team": "green"},
        False,
    ),
    case(
        LOGIC,
        {"StringNotEquals": {"aws:PrincipalTag/team": ["blue", "green"]}},
        {"aws:PrincipalTag/team": "red"},
        True,
    ),
    # -- multi-valued keys -----------------------------------------------------------------------
    # ForAllValues: "returns true if every key value in the request matches at least one value
    # in the policy.  It also returns true if there are no keys in the request"
    case(
        MULTI,
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}},
        {"aws:TagKeys": ["environment"]},
        True,
    ),
    case(
        MULTI,
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}},
        {"aws:TagKeys": ["environment", "cost-center"]},
        True,
    ),
    case(
        MULTI,
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}},
        {"aws:TagKeys": ["environment", "owner"]},
        False,
    ),
    case(
        MULTI,
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}},
        {},
        True,
    ),
    case(
        MULTI,
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}},
        {"aws:TagKeys": []},
        True,
    ),
    case(
        MULTI,
        {"ForAllValues:StringLike": {"aws:TagKeys": ["env*"]}},
        {"aws:TagKeys": ["environment", "envoy"]},
        True,
    ),
    # ForAnyValue: "returns true if any one of the key values in the request matches any one of
    # the condition values in the policy. For no matching key or a null dataset, the operator
    # returns false."
    case(
        MULTI,
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}},
        {"aws:TagKeys": ["owner", "cost-center"]},
        True,
    ),
    case(
        MULTI,
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}},
        {"aws:TagKeys": ["owner"]},
        False,
    ),
    case(
        MULTI,
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}},
        {},
        False,
    ),
    case(
        MULTI,
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}},
        {"aws:TagKeys": []},
        False,
    ),
    # ... unless IfExists asks to ignore a missing key
    case(
        IFEXISTS, {"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": ["environment"]}}, {}, True
    ),
    case(
        IFEXISTS,
        {"ForAllValues:StringEqualsIfExists": {"aws:TagKeys": ["environment"]}},
        {"aws:TagKeys": ["owner"]},
        False,
    ),
    # negated set operators: each value (ForAllValues) / some value (ForAnyValue) must match none
    case(
        MULTI,
        {"ForAllValues:StringNotEquals": {"aws:TagKeys": ["secret"]}},
        {"aws:TagKeys": ["a", "b"]},
        True,
    ),
    case(
        MULTI,
        {"ForAllValues:StringNotEquals": {"aws:TagKeys": ["secret"]}},
        {"aws:TagKeys": ["a", "secret"]},
        False,
    ),
    case(MULTI, {"ForAllValues:StringNotEquals": {"aws:TagKeys": ["secret"]}}, {}, True),
    case(
        MULTI,
        {"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["secret"]}},
        {"aws:TagKeys": ["secret", "b"]},
        True,
    ),
    case(
        MULTI,
        {"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["secret"]}},
        {"aws:TagKeys": ["secret"]},
        False,
    ),
    case(MULTI, {"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["secret"]}}, {}, False),
    # set operators with other operator families
    case(
        MULTI,
        {"ForAnyValue:IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        {"aws:SourceIp": ["192.0.2.1", "10.1.2.3"]},
        True,
    ),
    case(
        MULTI,
        {"ForAllValues:NumericLessThan": {"s3:max-keys": "5"}},
        {"s3:max-keys": ["1", "7"]},
        False,
    ),
    case(
        MULTI,
        {"ForAnyValue:ArnLike": {"aws:CalledVia": "arn:aws:iam::*:role/x"}},
        {"aws:CalledVia": ["arn:aws:iam::1:role/x"]},
        True,
    ),
    # a multi-valued key without a set operator: a positive operator needs one matching
    # value, a negated one needs every value to miss
    case(
        MULTI,
        {"StringEquals": {"aws:TagKeys": "environment"}},
        {"aws:TagKeys": ["owner", "environment"]},
        True,
    ),
    case(
        MULTI,
        {"StringNotEquals": {"aws:TagKeys": "environment"}},
        {"aws:TagKeys": ["owner", "environment"]},
        False,
    ),
    case(
        MULTI,
        {"StringNotEquals": {"aws:TagKeys": "environment"}},
        {"aws:TagKeys": ["owner", "team"]},
        True,
    ),
    # an empty multi-valued key is as good as a missing one
    case(MULTI, {"StringEquals": {"aws:TagKeys": "environment"}}, {"aws:TagKeys": []}, False),
    case(MULTI, {"StringNotEquals": {"aws:TagKeys": "environment"}}, {"aws:TagKeys": []}, True),
]


@pytest.mark.parametrize(("page", "condition", "context", "expected"), CASES)
def test_condition_operators(
    page: str, condition: dict[str, Any], context: dict[str, Any], expected: bool
) -> None:
    assert holds(condition, context) is expected, page


def test_every_operator_is_covered() -> None:
    from rolecall.policy.grammar import CONDITION_OPERATORS

    used = {op.split(":")[-1].removesuffix("IfExists") for c in CASES for op in c.values[1]}
    assert used >= CONDITION_OPERATORS, CONDITION_OPERATORS - used


def test_deny_with_negated_if_exists_still_denies_when_key_is_missing() -> None:
    # IFEXISTS: "If you are using an "Effect": "Deny" element with a negated condition
    # operator like StringNotEqualsIfExists, the request is still denied even if the tag
    # is missing."
    policy = doc(
        allow("*", "*"),
        deny("*", "*", Condition={"StringNotEqualsIfExists": {"aws:ResourceTag/team": "blue"}}),
    )
    missing = decide(user(), "ec2:StopInstances", identity=[policy])
    assert missing.outcome.value == "explicitDeny", IFEXISTS
    ok = decide(
        user(), "ec2:StopInstances", identity=[policy], context={"aws:ResourceTag/team": "blue"}
    )
    assert ok.allowed


def test_deny_when_ssl_is_off() -> None:
    # BOOL: the BooleanExample policy denies S3 over plain HTTP.
    policy = doc(
        allow("s3:*", "*"),
        {
            "Sid": "BooleanExample",
            "Action": "s3:*",
            "Effect": "Deny",
            "Resource": ["arn:aws:s3:::DOC-EXAMPLE-BUCKET", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    )
    plain = decide(
        user(),
        "s3:GetObject",
        "arn:aws:s3:::DOC-EXAMPLE-BUCKET/k",
        identity=[policy],
        context={"aws:SecureTransport": False},
    )
    secure = decide(
        user(),
        "s3:GetObject",
        "arn:aws:s3:::DOC-EXAMPLE-BUCKET/k",
        identity=[policy],
        context={"aws:SecureTransport": True},
    )
    assert plain.outcome.value == "explicitDeny" and secure.allowed, BOOL


def test_run_instances_example_with_if_exists() -> None:
    # IFEXISTS: THISPOLICYDOESNOTWORK vs. the StringLikeIfExists version, evaluated for a
    # resource that has no ec2:InstanceType key (an image) and for the instance itself.
    broken = doc(
        allow(
            "ec2:RunInstances",
            "*",
            Condition={"StringLike": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}},
        )
    )
    fixed = doc(
        allow(
            "ec2:RunInstances",
            "*",
            Condition={"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}},
        )
    )
    image = "arn:aws:ec2:us-east-1::image/ami-1"
    instance = "arn:aws:ec2:us-east-1:111122223333:instance/*"
    assert not decide(user(), "ec2:RunInstances", image, identity=[broken]).allowed
    assert decide(user(), "ec2:RunInstances", image, identity=[fixed]).allowed
    t2 = {"ec2:InstanceType": "t2.micro"}
    c5 = {"ec2:InstanceType": "c5.large"}
    assert decide(user(), "ec2:RunInstances", instance, identity=[fixed], context=t2).allowed
    assert not decide(user(), "ec2:RunInstances", instance, identity=[fixed], context=c5).allowed


def test_operator_names_are_case_sensitive() -> None:
    # The grammar lists the operators by name; "stringequals" is no operator.
    from rolecall.policy import PolicyError, PolicyKind, parse_policy

    with pytest.raises(PolicyError):
        parse_policy(
            doc(allow(Condition={"stringequals": {"aws:username": "x"}})), PolicyKind.IDENTITY
        )
