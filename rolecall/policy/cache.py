"""Compile each policy document once.

Parsing and compiling cost far more than a decision, and the same documents are
used again and again (every request of a principal uses the same policies), so
compiled policies are cached by ``(kind, text)`` and policy groups by the
identity of their members.  Both caches are bounded LRUs and thread-safe enough
for the server's use: a race can only compile the same document twice.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

from .ast import PolicyKind
from .compiler import CompiledPolicy, PolicyGroup, PolicySource
from .parser import parse_policy

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """A small thread-safe least-recently-used mapping."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The cached value for ``key``, marking it recently used."""
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        """Cache ``value`` under ``key``, evicting the oldest entry when full."""
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


_policies: LRUCache[tuple[PolicyKind, str], CompiledPolicy] = LRUCache(16384)
# Re-labelled copies are cached too: policy_group() keys groups by the identity of
# their members, so handing out a fresh copy per call would rebuild every group's
# per-action plans on every request.
_sourced: LRUCache[tuple[PolicyKind, str, PolicySource], CompiledPolicy] = LRUCache(16384)
_groups: LRUCache[tuple[CompiledPolicy, ...], PolicyGroup] = LRUCache(16384)


def compile_policy(
    text: str, kind: PolicyKind, source: PolicySource | None = None
) -> CompiledPolicy:
    """Parse, validate and compile ``text`` (cached by content).

    Raises:
        PolicyError: if the document is not a valid policy of ``kind``.
    """
    key = (kind, text)
    compiled = _policies.get(key)
    if compiled is None:
        compiled = CompiledPolicy(parse_policy(text, kind), kind)
        _policies.put(key, compiled)
    if source is None or source == compiled.source:
        return compiled
    sourced_key = (kind, text, source)
    sourced = _sourced.get(sourced_key)
    if sourced is None or sourced.policy is not compiled.policy:
        sourced = compiled.with_source(source)
        _sourced.put(sourced_key, sourced)
    return sourced


def policy_group(policies: Iterable[CompiledPolicy]) -> PolicyGroup:
    """A :class:`PolicyGroup` of ``policies``, shared with earlier calls for the same members.

    Sharing matters: the group's per-action index is what makes steady-state
    decisions cheap.
    """
    members = tuple(policies)
    group = _groups.get(members)
    if group is None:
        group = PolicyGroup(members)
        _groups.put(members, group)
    return group


def clear_caches() -> None:
    """Drop every cached compilation (tests, benchmarks)."""
    _policies.clear()
    _sourced.clear()
    _groups.clear()
