"""Every pattern of the IAM and STS models compiles and means what it means in Java."""

from __future__ import annotations

import re
from typing import Any

import botocore.loaders
import pytest
from botocore.model import Shape
from protocol_strategies import MODELS, SERVICES

from rolecall.protocol import UnsupportedPattern, compile_java, java_to_python

LOADER = botocore.loaders.create_loader()


def _model_patterns() -> set[str]:
    patterns = set()
    for service in SERVICES:
        raw = LOADER.load_service_model(service, "service-2")
        patterns |= {s["pattern"] for s in raw["shapes"].values() if "pattern" in s}
    return patterns


def _collect(shape: Shape, value: Any, found: dict[str, set[str]]) -> None:
    """Gather every patterned string of a documented example, keyed by pattern."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for name, item in value.items():
            if name in shape.members:
                _collect(shape.members[name], item, found)
    elif kind == "list" and isinstance(value, list):
        for item in value:
            _collect(shape.member, item, found)
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            _collect(shape.key, key, found)
            _collect(shape.value, item, found)
    elif kind == "string" and isinstance(value, str) and shape.metadata.get("pattern"):
        found.setdefault(shape.metadata["pattern"], set()).add(value)


def _documented_examples() -> dict[str, set[str]]:
    """Values from botocore's examples-1.json (AWS's own documented requests/responses)."""
    found: dict[str, set[str]] = {}
    for service in SERVICES:
        model = MODELS.service(service)
        examples = LOADER.load_service_model(service, "examples-1")["examples"]
        for operation, cases in examples.items():
            op = model.operation_model(operation)
            for case in cases:
                if op.input_shape is not None:
                    _collect(op.input_shape, case.get("input", {}), found)
                if op.output_shape is not None:
                    _collect(op.output_shape, case.get("output", {}), found)
    return found


# Values taken from the IAM/STS API reference descriptions of the shapes using each
# pattern not covered by examples-1.json: (must match, must not match).
CURATED: dict[str, tuple[list[str], list[str]]] = {
    r"((/[A-Za-z0-9\.,\+@=_-]+)*)/": (["/", "/division_abc/subdivision_xyz/"], ["a/", "/a b/"]),
    r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)": (["/", "/engineering/"], ["//x", "/a b/", "x"]),
    r"/[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*/": (["/app/", "//"], ["/a", "/日/"]),
    r"[ -~]+": (["aws:PrincipalTag", "~ !"], ["", "é", "\t"]),
    r"[:\w]+": (["c3:a3:ac:31:d2:4e:7c:f0:dd:e3:21:0a:e3:1b:9e:55:be:d2:e1:f6:3a:5c:f9:99"], ["-"]),
    r"[A-Z0-9]+": (["APKAJ2XZ5ZN3QR23JXMA"], ["apka", "A-1"]),
    r"[\d]+": (["123456"], ["12a", "١٢٣"]),
    r"[\p{L}\p{Z}\p{N}_.:/=+\-@{}]*": (["", "{aws:username}", "Équipe 日本 ٣"], ["a!", "${x}"]),
    r"[\p{L}\p{Z}\p{N}_.:/=+\-@{}]+": (["{tag}", "Cost Center"], ["", "a,b"]),
    r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*": (["", "Notes\twith tabs\r\nand é"], ["日"]),
    r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]+": (["workflow-123"], ["", "\x00"]),
    r"[\u0020-\u00FF]+": (["MFA device serial", "ÿ"], ["\t", "Ā"]),
    r"[\w+=,.\-]+": (["my-template.v1"], ["a@b", "é"]),
    r"[\w-]+": (["0123456789abcdef-req"], ["a.b"]),
    r"[\w._-]+": (["MyIdP_1.saml-provider"], ["a b", "a/b"]),
    r"\d{12}": (["123456789012"], ["12345678901", "1234567890123", "12345678901a"]),
    r"\u002F[\u0021-\u007F]*": (["/", "/division_abc/"], ["division", "/a b"]),
    r"^[A-Za-z][A-Za-z0-9/_-]*$": (["Feature/Flag_1"], ["1abc", "a b"]),
    r"^[a-zA-Z0-9:/+=,.@_-]+$": (["arn:aws:iam::123456789012:root"], ["a b"]),
    r"^[a-zA-Z0-9:_.-]+$": (["arn:aws:sns:us-east-1:123456789012:topic"], ["a/b"]),
    r"^http(s?)://[a-zA-Z0-9._/-]*(\?[a-zA-Z0-9._=&-]*)?(#[a-zA-Z0-9._/-]*)?$": (
        ["https://example.com/callback?state=1#done", "http://x"],
        ["ftp://example.com", "https://example.com/ a"],
    ),
    r"^o-[a-z0-9]{10,32}$": (["o-a1b2c3d4e5"], ["o-short", "o-A1B2C3D4E5"]),
    r"^p-[0-9a-zA-Z_]{8,128}$": (["p-FullAWSAccess_1"], ["p-short"]),
    r"v[1-9][0-9]*(\.[A-Za-z0-9-]*)?": (["v1", "v12", "v2.draft-1"], ["v0", "1", "v1 "]),
}


def test_every_model_pattern_compiles() -> None:
    for pattern in _model_patterns():
        compiled = compile_java(pattern)
        assert isinstance(compiled, re.Pattern)
        assert compiled.flags & re.ASCII  # Java's \w and \d are ASCII-only


def test_every_model_pattern_has_matching_examples() -> None:
    documented = _documented_examples()
    for pattern in _model_patterns():
        examples = documented.get(pattern, set()) | set(CURATED.get(pattern, ([], []))[0])
        assert examples, f"no example value for pattern {pattern!r}: add one to CURATED"
        for value in examples:
            assert compile_java(pattern).fullmatch(value), (pattern, value)


@pytest.mark.parametrize("pattern", sorted(CURATED))
def test_curated_counter_examples_are_rejected(pattern: str) -> None:
    assert pattern in _model_patterns(), "stale CURATED entry"
    for value in CURATED[pattern][1]:
        assert compile_java(pattern).fullmatch(value) is None, (pattern, value)


def test_word_class_is_ascii_only_as_in_java() -> None:
    name = compile_java(r"[\w+=,.@-]+")
    assert name.fullmatch("Role_name+=,.@-1")
    for bad in ("é", "Straße", "名前", "a b", "a/b", "\u0661"):
        assert name.fullmatch(bad) is None, bad


def test_unicode_categories_expand() -> None:
    tag = compile_java(r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+")
    for good in ("Équipe", "日本語", "٣٤", "a\u00a0b", "x\u3000y", "Ⅻ", "\U0001d518"):
        assert tag.fullmatch(good), good
    for bad in ("a!", "a,b", "tab\there", "😀", "a\nb"):
        assert tag.fullmatch(bad) is None, bad
    assert compile_java(r"\p{Lu}+").fullmatch("ÀB")
    assert compile_java(r"\p{Lu}+").fullmatch("àB") is None
    assert compile_java(r"\P{N}+").fullmatch("ab")
    assert compile_java(r"[^\p{L}]+").fullmatch("12")


def test_four_digit_unicode_escapes_like_java() -> None:
    # Java reads \u10000-\u10FFFF as \u1000, '0'-\u10FF, 'F', 'F': astral characters
    # are rejected while DEL and C1 controls are accepted. We reproduce that.
    arn = compile_java(
        r"[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+"
    )
    assert arn.fullmatch("arn:aws:iam::123456789012:role/demo")
    assert arn.fullmatch("\x7f\x90")
    assert arn.fullmatch("😀") is None
    assert arn.fullmatch("\x01") is None


def test_java_dot_and_anchors() -> None:
    assert compile_java("a.c").fullmatch("abc")
    for terminator in ("\n", "\r", "\u0085", "\u2028", "\u2029"):
        assert compile_java("a.c").fullmatch(f"a{terminator}c") is None
    assert compile_java("^[a-z]+$").fullmatch("abc\n") is None
    assert compile_java(r"a\z").fullmatch("a")
    assert compile_java(r"\Qa.b\E").fullmatch("a.b")
    assert compile_java(r"\Qa.b\E").fullmatch("axb") is None
    assert compile_java(r"(?<name>x)\1").fullmatch("xx")
    assert compile_java(r"\x{1F600}").fullmatch("😀")
    assert compile_java(r"[a\-z]+").fullmatch("-az")
    assert compile_java(r"[a\-z]+").fullmatch("b") is None


@pytest.mark.parametrize("pattern", [r"[a-z&&[^b]]", r"[[a]b]", r"\k<x>", r"\p{InGreek}", "[a-"])
def test_untranslatable_syntax_is_refused(pattern: str) -> None:
    with pytest.raises(UnsupportedPattern):
        java_to_python(pattern)
