"""Compile-once caching (rolecall.policy.cache).

Not AWS behaviour but the engine's performance contract: the server compiles the
policies of every request through ``compile_policy``/``policy_group``, and a
group's per-action plans only pay off when the same group object comes back.
"""

from __future__ import annotations

from rolecall.policy import PolicyKind, PolicySource, clear_caches, compile_policy, policy_group
from rolecall.policy.cache import LRUCache

from .helpers import allow, doc

TEXT = doc(allow("s3:*"))


def test_same_text_same_compiled_policy() -> None:
    assert compile_policy(TEXT, PolicyKind.IDENTITY) is compile_policy(TEXT, PolicyKind.IDENTITY)
    # the kind is part of the key: the same text may be valid for one kind only
    assert compile_policy(TEXT, PolicyKind.IDENTITY) is not compile_policy(TEXT, PolicyKind.SESSION)


def test_labelled_copies_are_cached_too() -> None:
    a = compile_policy(TEXT, PolicyKind.IDENTITY, PolicySource("inline-a", "user"))
    b = compile_policy(TEXT, PolicyKind.IDENTITY, PolicySource("inline-a", "user"))
    c = compile_policy(TEXT, PolicyKind.IDENTITY, PolicySource("inline-b", "user"))
    assert a is b
    assert a is not c and c.source.policy_id == "inline-b"
    # the copies share the compiled matchers
    assert a.statements[0].resources is c.statements[0].resources
    assert policy_group([a]) is policy_group([b])


def test_group_plans_survive_between_requests() -> None:
    source = PolicySource("arn:aws:iam::111122223333:policy/p", "user-managed")
    first = policy_group([compile_policy(TEXT, PolicyKind.MANAGED, source)])
    plan = first.plan("s3:getobject")
    again = policy_group([compile_policy(TEXT, PolicyKind.MANAGED, source)])
    assert again is first and again.plan("s3:getobject") is plan


def test_clear_caches() -> None:
    a = compile_policy(TEXT, PolicyKind.IDENTITY, PolicySource("x", "user"))
    clear_caches()
    assert compile_policy(TEXT, PolicyKind.IDENTITY, PolicySource("x", "user")) is not a


def test_lru_evicts_the_least_recently_used() -> None:
    cache: LRUCache[str, int] = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c"), len(cache)) == (1, 3, 2)


def test_memo_keys_carry_variable_values_where_they_matter() -> None:
    """Per-action memos must never serve one caller's answer to another.

    The memo key holds the policy-variable values only for resources that could
    match a pattern with variables (those starting with its literal prefix); every
    other resource is decided once for all callers.  Each request below runs on the
    same compiled group, in an order that would expose a stale memo entry.
    """
    from .helpers import decide, doc, user

    policy = doc(
        allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}/*"),
        allow("s3:GetObject", "arn:aws:s3:::public/*"),
        {
            "Effect": "Deny",
            "Action": "s3:GetObject",
            "NotResource": "arn:aws:s3:::*/${aws:username}/*",
        },
    )
    cases = [
        ("alice", "arn:aws:s3:::home/alice/a.txt", True),
        ("bob", "arn:aws:s3:::home/alice/a.txt", False),
        ("bob", "arn:aws:s3:::home/bob/a.txt", True),
        ("alice", "arn:aws:s3:::home/bob/a.txt", False),
        # the deny's NotResource starts with a wildcard: every resource depends on
        # the caller's name, even one outside home/
        ("alice", "arn:aws:s3:::public/alice/x", True),
        ("bob", "arn:aws:s3:::public/alice/x", False),
        ("bob", "arn:aws:s3:::public/bob/x", True),
    ]
    for _ in range(2):
        for name, resource, allowed in cases:
            d = decide(
                user(name),
                "s3:GetObject",
                resource,
                identity=[policy],
                context={"aws:username": name},
            )
            assert d.allowed is allowed, (name, resource)
