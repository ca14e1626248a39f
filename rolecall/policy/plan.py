"""Per-action decision plans of a policy group.

When a :class:`~rolecall.policy.compiler.PolicyGroup` first sees an action it
collects the statements whose Action element covers it and builds an
:class:`ActionPlan`.  The plan separates what depends only on the resource from
what depends on the request context:

* statements with static Resource patterns (no policy variables, no
  NotResource) are matched against a resource once, and the outcome — "an
  unconditional deny/allow matched" plus the conditions still to check — is
  memoised per resource;
* statements sharing one Condition block share one check;
* statements with policy variables in their Resource element are memoised
  together with the values of those variables.

So a steady-state decision is a dictionary lookup plus the conditions of the
statements that really apply, however many policies the group holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from .patterns import PatternSet, combine_sources
from .variables import ContextValues

if TYPE_CHECKING:
    from .compiler import CompiledStatement

Check = Callable[[ContextValues], bool]

_MEMO_LIMIT = 2048


class _Matcher:
    """Static resource patterns merged into one set lookup and one regex."""

    __slots__ = ("any_value", "exact", "regex", "sources")

    def __init__(self) -> None:
        self.any_value = False
        self.exact: set[str] | frozenset[str] = set()
        self.sources: list[str] = []
        self.regex: re.Pattern[str] | None = None

    def add(self, resources: PatternSet | None) -> None:
        if resources is None or resources.any_value:
            self.any_value = True
            return
        assert isinstance(self.exact, set)
        self.exact.update(resources.exact)
        self.sources.extend(resources.regex_sources)

    def freeze(self) -> None:
        self.exact = frozenset(self.exact)
        self.regex = None if self.any_value else combine_sources(self.sources)

    def match(self, resource: str) -> bool:
        if self.any_value or resource in self.exact:
            return True
        return self.regex is not None and self.regex.fullmatch(resource) is not None


class _Side:
    """The statements of one effect, arranged so a resource can be checked at once."""

    __slots__ = ("buckets", "keys", "others", "prefixes", "unconditional")

    def __init__(self, statements: tuple[CompiledStatement, ...]) -> None:
        self.unconditional = _Matcher()
        by_condition: dict[object, tuple[_Matcher, Check]] = {}
        others: list[tuple[PatternSet, bool, Check | None]] = []
        keys: list[str] = []
        prefixes: list[str] = []
        for st in statements:
            resources = st.resources
            check = st.condition.check if st.condition is not None else None
            if resources is not None and (st.statement.not_resource or not resources.is_static):
                # NotResource and policy variables: checked one by one (variables'
                # values then become part of the memo key).
                others.append((resources, st.statement.not_resource, check))
                keys.extend(k.lower() for k in resources.keys)
                prefixes.extend(d.fixed_prefix for d in resources.dynamic)
            elif check is None:
                self.unconditional.add(resources)
            else:
                signature = (st.variables, st.statement.conditions)
                bucket = by_condition.get(signature)
                if bucket is None:
                    bucket = by_condition[signature] = (_Matcher(), check)
                bucket[0].add(resources)
        self.unconditional.freeze()
        for matcher, _ in by_condition.values():
            matcher.freeze()
        self.buckets = tuple(by_condition.values())
        self.others = tuple(others)
        self.keys = tuple(dict.fromkeys(keys))
        self.prefixes = tuple(dict.fromkeys(prefixes))

    def hits(self, resource: str, values: ContextValues) -> tuple[bool, tuple[Check, ...]]:
        if self.unconditional.match(resource):
            return True, ()
        checks = [check for matcher, check in self.buckets if matcher.match(resource)]
        for resources, negated, check in self.others:
            if resources.match(resource, values) != negated:
                if check is None:
                    return True, ()
                checks.append(check)
        return False, tuple(checks)


#: Results of evaluating one policy group: no statement applied, allowed, denied.
NONE, ALLOW, DENY = 0, 1, 2

#: What the memo holds: a final result, or (deny checks, an unconditional allow
#: matched, allow checks) when conditions remain to be checked per request.
Memoised = int | tuple[tuple[Check, ...], bool, tuple[Check, ...]]


class ActionPlan:
    """Everything a policy group needs to decide one action.

    ``memo`` maps a resource (with the values of any policy variables, listed in
    ``keys``) to what it decides; it is ``None`` when no statement covers the
    action, so nothing can ever apply.
    """

    __slots__ = ("_allow", "_deny", "allows", "denies", "keys", "memo", "prefixes")

    def __init__(
        self, denies: tuple[CompiledStatement, ...], allows: tuple[CompiledStatement, ...]
    ) -> None:
        self.denies = denies
        self.allows = allows
        self._deny = _Side(denies)
        self._allow = _Side(allows)
        self.keys = tuple(dict.fromkeys((*self._deny.keys, *self._allow.keys)))
        #: a resource not starting with one of these cannot match any pattern
        #: with policy variables, so its outcome does not depend on their values
        self.prefixes = tuple(dict.fromkeys((*self._deny.prefixes, *self._allow.prefixes)))
        self.memo: dict[object, Memoised] | None = {} if (denies or allows) else None

    def key(self, resource: str, values: ContextValues) -> object:
        """The memo key of a request: the resource, plus variable values if they matter."""
        keys = self.keys
        if not keys or not resource.startswith(self.prefixes):
            return resource
        if len(keys) == 1:
            return (resource, values.get(keys[0]))
        return (resource, *[values.get(k) for k in keys])

    def resolve(self, key: object, resource: str, values: ContextValues) -> Memoised:
        """Work out (and memoise) what a resource decides."""
        deny_hit, deny_checks = self._deny.hits(resource, values)
        allow_hit, allow_checks = self._allow.hits(resource, values)
        found: Memoised
        if deny_hit:
            found = DENY
        elif not deny_checks and (allow_hit or not allow_checks):
            found = ALLOW if allow_hit else NONE
        else:
            found = (deny_checks, allow_hit, allow_checks)
        memo = self.memo
        assert memo is not None
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        memo[key] = found
        return found
