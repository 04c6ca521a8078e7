"""The indexes behind the ACD router (internal to ``escalade.engines.acd``).

Agents with the same skills, site and tier share a ``Profile``; contacts of one queue
that need the same extra skills share a ``ContactClass``, whose waiting contacts are kept
in FIFO lists per priority. Eligibility is computed once per (profile, class) pair as the
first overflow step at which the profile may take the class (steps only widen, so it may
take it from then on). Each profile keeps its AVAILABLE agents in one heap per strategy
order (longest idle, fewest calls) and a sorted list of ids (round robin), with lazy
deletion: an entry is stale once its agent's ``epoch`` moved on or it left AVAILABLE.
Each class keeps the profiles that have an AVAILABLE agent (``open``), updated when a
profile's count goes from 0 to 1 and back, so choosing an agent for a contact only looks
at profiles that have someone to offer.

All instants are float seconds since the Unix epoch.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from heapq import heapify, heappop, heappush

from escalade.engines.acd_model import (
    AcdError,
    Agent,
    AgentState,
    Contact,
    ContactState,
    OverflowStep,
    Queue,
    QueueStats,
    Strategy,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_AVAILABLE = AgentState.AVAILABLE
_WAITING = ContactState.WAITING
STAFFED = frozenset(
    {AgentState.AVAILABLE, AgentState.RESERVED, AgentState.ON_CALL, AgentState.WRAP_UP}
)

# A candidate contact in ``route``: (priority desc, weighted wait desc, arrival, id).
Key = tuple[int, float, float, str]


def seconds_of(value: datetime, what: str = "now") -> float:
    try:
        return (value - _EPOCH).total_seconds()
    except TypeError:
        raise AcdError(f"{what} must be a timezone-aware datetime, got {value!r}.") from None


def instant(seconds: float) -> datetime:
    return _EPOCH + timedelta(0, seconds)


def maybe_instant(seconds: float | None) -> datetime | None:
    return None if seconds is None else _EPOCH + timedelta(0, seconds)


class AgentSlot:
    __slots__ = (
        "agent_id",
        "available_since",
        "calls_handled",
        "config",
        "contact",
        "epoch",
        "profile",
        "reason",
        "since",
        "state",
        "wrap_up_until",
    )

    def __init__(self, config: Agent, profile: Profile) -> None:
        self.config = config
        self.agent_id = config.agent_id
        self.profile = profile
        self.state = AgentState.LOGGED_OUT
        self.since: float | None = None
        self.available_since = 0.0
        self.calls_handled = 0
        self.reason: str | None = None
        self.wrap_up_until: float | None = None
        self.contact: ContactSlot | None = None
        self.epoch = 0  # bumped on every entry to AVAILABLE: older heap entries are stale


class Profile:
    """Agents alike for routing (skills, site, tier), and those of them AVAILABLE."""

    __slots__ = (
        "available",
        "classes",
        "fewest",
        "idle",
        "ids",
        "openings",
        "site",
        "skills",
        "staffed",
        "tier",
    )

    def __init__(self, skills: Mapping[str, int], site: str | None, tier: int) -> None:
        self.skills = skills
        self.site = site
        self.tier = tier
        self.available = 0
        self.staffed = 0
        # (class, first step at which it may take the class, proficiency score there)
        self.classes: list[tuple[ContactClass, int, int]] = []
        # What to write in each class's ``open`` while the profile has someone AVAILABLE.
        self.openings: list[tuple[dict[Profile, tuple[int, int]], tuple[int, int]]] = []
        self.idle: list[tuple[float, str, int, AgentSlot]] = []  # heap: since, id, epoch
        self.fewest: list[tuple[int, float, str, int, AgentSlot]] = []  # heap: calls first
        self.ids: list[str] = []  # sorted ids of the AVAILABLE agents (round robin)

    def enter(self, agent: AgentSlot) -> None:
        self.available += 1
        if self.available == 1:
            for opened, value in self.openings:
                opened[self] = value
        since, agent_id, epoch = agent.available_since, agent.agent_id, agent.epoch
        heappush(self.idle, (since, agent_id, epoch, agent))
        heappush(self.fewest, (agent.calls_handled, since, agent_id, epoch, agent))
        insort(self.ids, agent_id)
        # Each heap is only popped by the strategies that read it: drop stale entries
        # when they outnumber the live ones, so that neither grows without bound.
        limit = 2 * self.available + 32
        if len(self.idle) > limit:
            self.idle = [e for e in self.idle if e[3].epoch == e[2] and e[3].state is _AVAILABLE]
            heapify(self.idle)
        if len(self.fewest) > limit:
            self.fewest = [
                e for e in self.fewest if e[4].epoch == e[3] and e[4].state is _AVAILABLE
            ]
            heapify(self.fewest)

    def leave(self, agent: AgentSlot) -> None:
        self.available -= 1
        del self.ids[bisect_left(self.ids, agent.agent_id)]
        if not self.available:
            for opened, _ in self.openings:
                del opened[self]

    def unlink(self, queue: QueueSlot) -> None:
        """Forget the classes of ``queue`` (changed or removed)."""
        kept = [entry for entry in self.classes if entry[0].queue is not queue]
        self.classes = kept
        self.openings = [(cls.open, (first, score)) for cls, first, score in kept]

    def longest_idle(self) -> tuple[float, str, int, AgentSlot]:
        """The agent AVAILABLE for longest (only when ``available``)."""
        heap = self.idle
        while True:
            entry = heap[0]
            agent = entry[3]
            if agent.epoch == entry[2] and agent.state is _AVAILABLE:
                return entry
            heappop(heap)

    def fewest_calls(self) -> tuple[int, float, str, int, AgentSlot]:
        heap = self.fewest
        while True:
            entry = heap[0]
            agent = entry[4]
            if agent.epoch == entry[3] and agent.state is _AVAILABLE:
                return entry
            heappop(heap)


class QueueSlot:
    __slots__ = ("aht", "classes", "config", "counters", "queue_id", "round_robin_last", "steps")

    def __init__(self, config: Queue) -> None:
        self.queue_id = config.queue_id
        self.config = config
        self.steps = tuple(step.after_seconds for step in config.overflow)
        self.classes: dict[tuple[tuple[str, int], ...], ContactClass] = {}
        self.counters = Counters()
        self.aht = config.handle_seconds
        self.round_robin_last: str | None = None


class ContactClass:
    """The contacts of one queue that need the same extra skills: one eligibility."""

    __slots__ = (
        "buckets",
        "eligible",
        "extra",
        "open",
        "priorities",
        "queue",
        "requirements",
        "waiting",
        "weight",
    )

    def __init__(self, queue: QueueSlot, extra: tuple[tuple[str, int], ...]) -> None:
        self.queue = queue
        self.extra = extra
        self.buckets: dict[int, list[ContactSlot]] = {}  # priority -> FIFO by (arrival, id)
        self.priorities: list[int] = []  # of the non-empty buckets, highest first
        self.waiting = 0
        # The eligible profiles with an AVAILABLE agent: (first step, proficiency score).
        self.open: dict[Profile, tuple[int, int]] = {}
        self.configure()

    def configure(self) -> None:
        config = self.queue.config
        requirements = dict(config.required_skills)
        for skill, level in self.extra:
            requirements[skill] = max(requirements.get(skill, 0), level)
        self.requirements = requirements
        self.weight = config.weight
        self.open.clear()  # the profiles are linked again after a change
        # eligible[s]: the profiles that may take the class's contacts at step s.
        self.eligible: list[list[Profile]] = [[] for _ in range(len(config.overflow) + 1)]

    def first_step(self, profile: Profile) -> int | None:
        """The first overflow step (0: none) at which ``profile`` may take this class."""
        config = self.queue.config
        levels = [OverflowStep(after_seconds=1.0), *config.overflow]
        for step, level in enumerate(levels):
            if config.tier_rank is not None and not (
                0 <= profile.tier - config.tier_rank <= level.max_tier_rank_delta
            ):
                continue
            if config.site is not None and not level.any_site and profile.site != config.site:
                continue
            held = profile.skills
            if all(
                held.get(skill, 0) >= minimum
                for skill, minimum in self.requirements.items()
                if skill not in level.drop_skills
            ):
                return step
        return None

    def link(self, profile: Profile) -> None:
        first = self.first_step(profile)
        if first is None:
            return
        score = sum(profile.skills.get(skill, 0) for skill in self.requirements)
        profile.classes.append((self, first, score))
        profile.openings.append((self.open, (first, score)))
        for step in range(first, len(self.eligible)):
            self.eligible[step].append(profile)
        if profile.available:
            self.open[profile] = (first, score)


class ContactSlot:
    __slots__ = (
        "agent",
        "answered_at",
        "arrival",
        "cls",
        "config",
        "contact_id",
        "offered_at",
        "order",
        "priority",
        "state",
        "step",
        "token",
    )

    def __init__(self, config: Contact, cls: ContactClass) -> None:
        self.config = config
        self.contact_id = config.contact_id
        self.cls = cls
        self.priority = config.priority
        self.arrival = seconds_of(config.arrival, "arrival")
        self.order = (self.arrival, self.contact_id)
        self.state = _WAITING
        self.agent: AgentSlot | None = None
        self.offered_at: float | None = None
        self.answered_at: float | None = None
        self.step = 0
        self.token = 0  # bumped whenever it (re)starts waiting: older step entries are stale


class Counters:
    """The mutable side of ``QueueStats``."""

    __slots__ = (
        "abandoned",
        "abandoned_wait_seconds",
        "answered",
        "answered_within_threshold",
        "handled",
        "offered",
        "total_handle_seconds",
        "total_wait_seconds",
        "transferred_out",
    )

    def __init__(self) -> None:
        self.offered = self.answered = self.answered_within_threshold = 0
        self.abandoned = self.transferred_out = self.handled = 0
        self.total_wait_seconds = self.abandoned_wait_seconds = self.total_handle_seconds = 0.0

    @classmethod
    def of(cls, stats: QueueStats) -> Counters:
        counters = cls()
        for name in cls.__slots__:
            setattr(counters, name, getattr(stats, name))
        return counters

    def freeze(self) -> QueueStats:
        return QueueStats(
            offered=self.offered,
            answered=self.answered,
            answered_within_threshold=self.answered_within_threshold,
            abandoned=self.abandoned,
            transferred_out=self.transferred_out,
            total_wait_seconds=self.total_wait_seconds,
            abandoned_wait_seconds=self.abandoned_wait_seconds,
            handled=self.handled,
            total_handle_seconds=self.total_handle_seconds,
        )


def best_contact(agent: AgentSlot, t: float) -> tuple[Key, ContactSlot] | None:
    """The first waiting contact of the routing order that ``agent`` may take at ``t``."""
    best: tuple[Key, ContactSlot] | None = None
    for cls, first_step, _ in agent.profile.classes:
        if not cls.waiting:
            continue
        buckets = cls.buckets
        for priority in cls.priorities:
            head = buckets[priority][0]  # the longest wait, so the widest step
            if head.step >= first_step:
                arrival = head.arrival
                key = (-priority, (arrival - t) * cls.weight, arrival, head.contact_id)
                if best is None or key < best[0]:
                    best = (key, head)
                break
    return best


def best_agent(contact: ContactSlot, agents: Mapping[str, AgentSlot]) -> AgentSlot | None:
    """The AVAILABLE agent the contact's queue strategy picks, among the eligible."""
    cls = contact.cls
    step = contact.step
    strategy = cls.queue.config.strategy
    if strategy is Strategy.LONGEST_IDLE:
        idle: tuple[float, str, int, AgentSlot] | None = None
        for profile, (first_step, _) in cls.open.items():
            if first_step <= step:
                top = profile.longest_idle()
                if idle is None or top < idle:
                    idle = top
        return None if idle is None else idle[3]
    if strategy is Strategy.FEWEST_CALLS:
        fewest: tuple[int, float, str, int, AgentSlot] | None = None
        for profile, (first_step, _) in cls.open.items():
            if first_step <= step:
                entry = profile.fewest_calls()
                if fewest is None or entry < fewest:
                    fewest = entry
        return None if fewest is None else fewest[4]
    if strategy is Strategy.BEST_PROFICIENCY:
        proficient: tuple[int, float, str, AgentSlot] | None = None
        for profile, (first_step, score) in cls.open.items():
            if first_step <= step:
                since, agent_id, _, agent = profile.longest_idle()
                candidate = (-score, since, agent_id, agent)
                if proficient is None or candidate[:3] < proficient[:3]:
                    proficient = candidate
        return None if proficient is None else proficient[3]
    # ROUND_ROBIN: the first id after the queue's last pick, else the first id.
    last = cls.queue.round_robin_last
    after: str | None = None
    first: str | None = None
    for profile, (first_step, _) in cls.open.items():
        if first_step <= step:
            ids = profile.ids
            if last is not None:
                position = bisect_right(ids, last)
                if position < len(ids) and (after is None or ids[position] < after):
                    after = ids[position]
            if first is None or ids[0] < first:
                first = ids[0]
    chosen = after if after is not None else first
    return None if chosen is None else agents[chosen]
