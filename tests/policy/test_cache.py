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
