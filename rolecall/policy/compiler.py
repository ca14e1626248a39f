"""Compile parsed policies into fast matchers.

Compilation happens once per policy document (see :mod:`rolecall.policy.cache`):
every Action/Resource pattern becomes a :class:`~rolecall.policy.patterns.PatternSet`,
every Condition block a closure, every Principal a set lookup.  A
:class:`PolicyGroup` (all the policies of one type that apply to a request, e.g. a
user's inline, attached and group policies) then indexes statements by action on
first use, so a decision only visits statements that can apply to its action,
denies first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from .ast import Effect, Policy, PolicyKind, Statement
from .conditions import CompiledCondition, compile_conditions
from .patterns import PatternSet
from .plan import ActionPlan
from .principals import PrincipalMatcher
from .variables import ContextValues

#: Tests a statement's Resource and Condition elements against a request.
StatementTest = Callable[[str, ContextValues], bool]

_ACTION_CACHE_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class PolicySource:
    """Where a compiled policy came from, for explanations and the simulator.

    Attributes:
        policy_id: the identifier the simulator reports (a managed policy ARN, an
            inline policy's name, ``PolicyInputList.1`` ...).
        policy_type: the simulator's ``SourcePolicyType`` (``user``, ``group``,
            ``role``, ``aws-managed``, ``user-managed``, ``resource``, ``none`` ...).
    """

    policy_id: str = ""
    policy_type: str = "none"


class CompiledStatement:
    """One statement, ready to be tested against requests."""

    __slots__ = (
        "_actions",
        "_not_action",
        "allow",
        "condition",
        "principal",
        "resources",
        "source",
        "statement",
        "test",
        "variables",
    )

    def __init__(self, statement: Statement, source: PolicySource, *, variables: bool) -> None:
        self.statement = statement
        self.source = source
        self.allow = statement.effect is Effect.ALLOW
        self.variables = variables
        self._actions = PatternSet(statement.actions, ignore_case=True)
        self._not_action = statement.not_action
        self.resources = (
            PatternSet(statement.resources, arn=True, variables=variables)
            if statement.resources is not None
            else None
        )
        self.condition: CompiledCondition | None = compile_conditions(
            statement.conditions, variables=variables
        )
        self.principal = (
            PrincipalMatcher(statement.principals, negated=statement.not_principal)
            if statement.principals is not None
            else None
        )
        self.test = _build_test(self.resources, statement.not_resource, self.condition)

    def matches_action(self, action: str) -> bool:
        """Whether the Action/NotAction element covers ``action``."""
        return self._actions.match(action) != self._not_action

    def matches_resource(self, resource: str, values: ContextValues) -> bool:
        """Whether the Resource/NotResource element covers ``resource`` (true if absent)."""
        if self.resources is None:
            return True
        return self.resources.match(resource, values) != self.statement.not_resource

    @property
    def context_keys(self) -> tuple[str, ...]:
        """Context keys this statement reads (conditions and policy variables), as written."""
        names: dict[str, str] = {}
        for name in (
            *(self.condition.names if self.condition else ()),
            *(self.resources.keys if self.resources else ()),
        ):
            names.setdefault(name.lower(), name)
        return tuple(names.values())


def _build_test(
    resources: PatternSet | None, not_resource: bool, condition: CompiledCondition | None
) -> StatementTest:
    # Specialise the common shapes so the hot path makes one call per statement.
    check = condition.check if condition is not None else None
    if resources is None or (resources.any_value and not not_resource):
        if check is None:
            return _always
        return lambda _resource, values: check(values)
    match = resources.match
    if not_resource:
        if check is None:
            return lambda resource, values: not match(resource, values)
        return lambda resource, values: not match(resource, values) and check(values)
    if check is None:
        return match
    return lambda resource, values: match(resource, values) and check(values)


def _always(_resource: str, _values: ContextValues) -> bool:
    return True


class CompiledPolicy:
    """A policy document compiled for evaluation."""

    __slots__ = ("kind", "policy", "source", "statements")

    def __init__(
        self, policy: Policy, kind: PolicyKind, source: PolicySource | None = None
    ) -> None:
        self.policy = policy
        self.kind = kind
        self.source = source or PolicySource()
        variables = policy.variables_enabled
        self.statements = tuple(
            CompiledStatement(st, self.source, variables=variables) for st in policy.statements
        )

    def with_source(self, source: PolicySource) -> CompiledPolicy:
        """The same compiled policy reported under another source (shares matchers)."""
        clone = object.__new__(CompiledPolicy)
        clone.policy = self.policy
        clone.kind = self.kind
        clone.source = source
        clone.statements = tuple(_restamp(st, source) for st in self.statements)
        return clone


def _restamp(st: CompiledStatement, source: PolicySource) -> CompiledStatement:
    clone = object.__new__(CompiledStatement)
    for name in CompiledStatement.__slots__:
        object.__setattr__(clone, name, getattr(st, name))
    clone.source = source
    return clone


@dataclass(slots=True)
class PolicyGroup:
    """The policies of one policy type that apply to a request, indexed by action.

    For each action seen, :meth:`candidates` returns the deny and allow statements
    whose Action element covers it; the result is cached, so steady-state
    decisions never look at an action pattern again.
    """

    policies: tuple[CompiledPolicy, ...]
    _by_action: dict[str, ActionPlan] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, policies: Iterable[CompiledPolicy]) -> PolicyGroup:
        """A group of the given compiled policies."""
        return cls(tuple(policies))

    def plan(self, action: str) -> ActionPlan:
        """The merged plan for ``action`` (lower-cased), built on first use."""
        found = self._by_action.get(action)
        if found is None:
            found = self._index(action)
        return found

    def candidates(
        self, action: str
    ) -> tuple[tuple[CompiledStatement, ...], tuple[CompiledStatement, ...]]:
        """``(denies, allows)`` whose Action element covers ``action`` (lower-cased)."""
        plan = self.plan(action)
        return plan.denies, plan.allows

    def _index(self, action: str) -> ActionPlan:
        denies: list[CompiledStatement] = []
        allows: list[CompiledStatement] = []
        for policy in self.policies:
            for st in policy.statements:
                if st.matches_action(action):
                    (allows if st.allow else denies).append(st)
        found = ActionPlan(tuple(denies), tuple(allows))
        if len(self._by_action) >= _ACTION_CACHE_LIMIT:
            self._by_action.clear()
        self._by_action[action] = found
        return found

    @property
    def statements(self) -> Sequence[CompiledStatement]:
        """Every statement of every policy in the group."""
        return [st for p in self.policies for st in p.statements]

    def __bool__(self) -> bool:
        return bool(self.policies)
