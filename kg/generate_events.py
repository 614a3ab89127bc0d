"""The events of the simulation behind :mod:`kg.generate`: stories of actions and claims in time.

Time runs forward from 1990-01-01. Events come in bursts: a burst is a story between two actors,
drawn with Zipf-like weights and covered by a news report; inside it the two sides act in turn,
and an action aimed at an actor is what that actor's later actions answer (``dk:respondsTo``),
so retaliation chains run forward in time. Because every event only refers to things already
written, the run can stop after any event, which it does once it has written enough triples.

>>> simulation = Simulation(3000, seed=2)
>>> batches = list(simulation.run())
>>> simulation.count >= 3000 and simulation.counters["action"] > 50
True
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import accumulate

from kg.generate_world import (DESCRIPTION, FIRST_DAY, LABEL, LAST_DAY, TYPE, World, dk, integer,
                               iri, iso, text)

TOPICS = ("arms control", "trade", "energy supplies", "border security", "sanctions",
          "prisoner exchange", "airspace incidents", "cyber attacks", "visa rules",
          "maritime boundaries")
REASONS = ("activities incompatible with diplomatic status", "interference in internal affairs",
           "an unfriendly step that required a response", "espionage",
           "a breach of earlier commitments")
# What can happen in one event of a story, with relative weights.
EVENTS = (("relations", 4), ("mission", 5), ("council", 1), ("close", 8), ("dormancy", 1),
          ("expel", 10), ("reduce", 3), ("ban", 2), ("cooperation", 3), ("meeting", 14),
          ("criticism", 12), ("support", 7), ("threat", 2), ("force", 3), ("announce", 7),
          ("enlarge", 2), ("leave", 1))
_KINDS = tuple(kind for kind, _ in EVENTS)
_CUMULATIVE = tuple(accumulate(weight for _, weight in EVENTS))
# First guess of triples per event; the run re-aims every 500 events from what it measured.
_TRIPLES_PER_EVENT = 22
# Mean gaps between events, as fractions of the mean gap: short inside a story, long between
# stories (about one event in seven starts a story), so that on average they give the mean.
_IN_BURST_GAP, _BURST_GAP = 0.15, 6.4


class Simulation(World):
    """A :class:`World` driven through 1990-2025, one event at a time."""

    def run(self) -> Iterator[list[str]]:
        """Batches of N-Triples lines, until at least ``target`` triples have been written."""
        self.setup()
        yield self.flush()
        setup_triples, events, moment = self.count, 0, float(FIRST_DAY)
        gap = (LAST_DAY - FIRST_DAY) / max(1.0, (self.target - self.count) / _TRIPLES_PER_EVENT)
        pair = (0, self.n_states)
        while self.count < self.target:
            if events and events % 500 == 0:  # re-aim, so the story always spans 1990-2025
                per_event = (self.count - setup_triples) / events
                left = max(1.0, (self.target - self.count) / per_event)
                gap = max(1e-4, (LAST_DAY - moment) / left)
            if self.report is None or self.rng.random() < 0.1 or self.cited > 30:
                moment += self.rng.expovariate(1 / (gap * _BURST_GAP))
                pair = self.pick_pair()
                self.new_report(int(moment))
            else:
                moment += self.rng.expovariate(1 / (gap * _IN_BURST_GAP))
            agent, other = pair if self.rng.random() < 0.6 else pair[::-1]
            kind = self.rng.choices(_KINDS, cum_weights=_CUMULATIVE)[0]
            getattr(self, f"on_{kind}")(agent, other, int(moment))
            events += 1
            if len(self.out) > 5000:
                yield self.flush()
        yield self.flush()

    def flush(self) -> list[str]:
        batch, self.out = self.out, []
        return batch

    def pick_pair(self) -> tuple[int, int]:
        agent = self.pick_actor(self.actor_weights)
        return agent, self.pick_actor(self.actor_weights, exclude=agent)

    # -- actions and claims ---------------------------------------------------------------------

    def action(self, cls: str, label: str, agent: int, day: int, targets: tuple[str, ...] = (),
               *, hostile_to: int | None = None, exact: bool = False) -> str:
        """An action of ``cls`` by ``agent`` on ``day``, cited, perhaps answering an earlier one."""
        rng = self.rng
        number, action = self.node("action")
        self.emit(action, TYPE, dk(cls))
        self.emit(action, LABEL, text(f"{label} ({number})"))
        self.emit(action, dk("agent"), self.actor_iri(agent))
        if not exact and rng.random() < 0.05:
            earliest = day - rng.randint(1, 60)
            self.emit(action, dk("dateEarliest"), self.date(earliest))
            self.emit(action, dk("dateLatest"), self.date(day))
            self.emit(action, dk("dateEDTF"), f'"{iso(earliest)}/{iso(day)}"')
        else:
            self.emit(action, dk("date"), self.date(day))
        for target in targets:
            self.emit(action, dk("target"), target)
        if rng.random() < 0.3:
            self.emit(action, DESCRIPTION, text(f"{label}, as the report tells it; generated "
                                                f"for benchmarks on {iso(day)}."))
        if cls == "Announcement" or rng.random() < 0.3:
            self.emit(action, dk("announcedBy"), self.speaker(agent, day))
            self.emit(action, dk("announcedOn"), self.date(day + rng.randrange(3)))
        if self.announcement and self.announcement[0] == agent and cls != "Announcement":
            self.emit(action, dk("announcedIn"), self.announcement[1])
        self.cite(action)
        if hostile_to is not None:
            self.respond(action, agent, hostile_to)
            self.against[hostile_to].append((agent, action))
        if rng.random() < 0.3:
            self.claims(action, agent, hostile_to, day)
        return action

    def respond(self, action: str, agent: int, other: int) -> None:
        for provoker, provocation in reversed(self.against[agent]):
            if provoker == other:
                if self.rng.random() < 0.7:
                    self.emit(action, dk("respondsTo"), provocation)
                return

    def claims(self, action: str, agent: int, other: int | None, day: int) -> None:
        rng = self.rng
        if rng.random() < 0.1:
            _, claim = self.node("claim")
            self.emit(claim, TYPE, dk("ReportAssessment"))
            self.emit(claim, dk("content"), text("The report doubts the reasons given."))
            self.emit(claim, dk("about"), action)
            self.emit(claim, dk("statedOn"), self.date(day))
            self.cite(claim)
            return
        first = self.claim(action, agent, day, "acted lawfully and in proportion")
        if other is not None and rng.random() < 0.4:
            second = self.claim(action, other, day + rng.randrange(3),
                                "had been given no reason and no notice")
            self.emit(first, dk("contradicts"), second)
            self.emit(second, dk("contradicts"), first)

    def claim(self, action: str, speaker_of: int, day: int, content: str) -> str:
        number, claim = self.node("claim")
        speaker = self.speaker(speaker_of, day, which=1)
        name = self.names[speaker_of]
        self.emit(claim, TYPE, dk("Claim"))
        self.emit(claim, LABEL, text(f"{name}: claim {number}"))
        self.emit(claim, dk("speaker"), speaker)
        self.emit(claim, dk("onBehalfOf"), self.actor_iri(speaker_of))
        self.emit(claim, dk("about"), action)
        self.emit(claim, dk("statedOn"), self.date(day))
        self.emit(claim, dk("content"), text(f"{name} says it {content}."))
        if self.rng.random() < 0.3:
            self.emit(claim, dk("quotation"), text(f"We {content} and will say so again"))
        self.cite(claim)
        return claim

    # -- events -----------------------------------------------------------------------------------

    def names_of(self, agent: int, other: int) -> tuple[str, str]:
        return self.names[agent], self.names[other]

    def on_relations(self, agent: int, other: int, day: int) -> None:
        if self.is_org(agent) or self.is_org(other):
            return self.on_mission(agent, other, day)
        a, b = self.names_of(agent, other)
        opener = self.action("Action", f"{a} establishes diplomatic relations with {b}", agent,
                             day, (self.actor_iri(other),), exact=True)
        self.open_channel("relations", agent, other, day, opener)

    def on_mission(self, agent: int, other: int, day: int) -> None:
        a, b = self.names_of(agent, other)
        opener = self.action("OfficeEstablishment", f"{a} opens a mission to {b}", agent, day,
                             (self.actor_iri(other),), exact=True)
        self.open_channel("mission", agent, other, day, opener)

    def on_council(self, agent: int, other: int, day: int) -> None:
        a, b = self.names_of(agent, other)
        opener = self.action("Action", f"{a} and {b} set up a joint council", agent, day,
                             (self.actor_iri(other),), exact=True)
        self.open_channel("council", agent, other, day, opener)

    def open_channels(self, agent: int, other: int, kind: str | None = None) -> list[int]:
        numbers = self.pair_channels.get((min(agent, other), max(agent, other)), [])
        return [n for n in numbers if kind is None or self.channels[n][0] == kind]

    def on_close(self, agent: int, other: int, day: int) -> None:
        numbers = self.open_channels(agent, other)
        if not numbers:
            return self.on_criticism(agent, other, day)
        number = self.rng.choice(numbers)
        kind, mission, sender, _receiver, start = self.channels[number]
        a, b = self.names_of(agent, other)
        targets = (self.actor_iri(other),)
        if kind == "relations":
            cls, label = "CredentialWithdrawal", f"{a} breaks off diplomatic relations with {b}"
        elif kind == "council":
            cls, label = "CooperationSuspension", f"{a} stops meeting {b} in their council"
        else:
            targets += (iri(f"mission/{mission}"),)
            if agent == sender:
                cls, label = "MissionSuspension", f"{a} suspends its mission to {b}"
            elif self.mission_info[mission][0] == "InformationOffice":
                cls, label = "OfficeTermination", f"{a} ends the office of {b}"
            else:
                cls, label = "CredentialWithdrawal", f"{a} withdraws the credentials of {b}'s staff"
        action = self.action(cls, label, agent, day, targets, hostile_to=other, exact=True)
        uncertain = self.rng.random() < 0.12
        effective = max(start, day + self.rng.randrange(31))
        if uncertain:
            self.emit(action, dk("effectiveEarliest"), self.date(effective))
            self.emit(action, dk("effectiveEDTF"), f'"{iso(effective)}/.."')
        else:
            self.emit(action, dk("effectiveDate"), self.date(effective))
        if self.rng.random() < 0.5:
            self.emit(action, dk("statedReason"), text(f"{a} cited {self.rng.choice(REASONS)}."))
        self.close_channel(number, action, effective, uncertain)

    def on_dormancy(self, agent: int, other: int, day: int) -> None:
        numbers = self.open_channels(agent, other, "council")
        if not numbers:
            return self.on_cooperation(agent, other, day)
        channel = iri(f"channel/{numbers[0]}")
        a, b = self.names_of(agent, other)
        action = self.action("CooperationSuspension", f"{a} freezes its council with {b}",
                             agent, day, (self.actor_iri(other),), hostile_to=other)
        self.emit(action, dk("restrictsChannel"), channel)
        _, dormancy = self.node("dormancy")
        self.emit(dormancy, TYPE, dk("DormancyPeriod"))
        self.emit(dormancy, dk("startDate"), self.date(day))
        self.emit(dormancy, dk("endDate"), self.date(day + self.rng.randint(90, 1500)))
        self.emit(channel, dk("hasDormancy"), dormancy)

    def on_expel(self, agent: int, other: int, day: int) -> None:
        if self.is_org(agent):
            return self.on_criticism(agent, other, day)
        rng = self.rng
        count = min(200, int(rng.paretovariate(1.2)))
        a, b = self.names_of(agent, other)
        missions = self.missions_to.get((other, agent), [])
        targets = (self.actor_iri(other),) + tuple(iri(f"mission/{n}") for n in missions[:1])
        people = f"{count} diplomat{'s' if count > 1 else ''}"
        action = self.action("Expulsion", f"{a} expels {people} of {b}", agent, day, targets,
                             hostile_to=other)
        self.emit(action, dk("count"), integer(count))
        self.emit(action, dk("fromTerritory"), self.actor_iri(agent))
        self.emit(action, dk("deadline"), self.date(day + rng.randint(3, 30)))
        if rng.random() < 0.5:
            self.emit(action, dk("statedReason"), text(f"{a} cited {rng.choice(REASONS)}."))

    def on_reduce(self, agent: int, other: int, day: int) -> None:
        missions = self.missions_to.get((other, agent), [])
        if not missions or self.caps[missions[-1]] < 2:
            return self.on_expel(agent, other, day)
        mission = missions[-1]
        before = self.caps[mission]
        after = self.rng.randint(max(0, before // 2), before - 1)
        self.caps[mission] = after
        a, b = self.names_of(agent, other)
        action = self.action("DelegationReduction", f"{a} cuts {b}'s mission from {before} to "
                             f"{after}", agent, day, (iri(f"mission/{mission}"),
                                                      self.actor_iri(other)), hostile_to=other)
        self.emit(action, dk("capBefore"), integer(before))
        self.emit(action, dk("capAfter"), integer(after))
        self.emit(action, dk("count"), integer(before - after))
        self.emit(action, dk("restrictsChannel"),
                  iri(f"channel/{self.mission_info[mission][1]}"))

    def on_ban(self, agent: int, other: int, day: int) -> None:
        a, b = self.names_of(agent, other)
        action = self.action("AccessBan", f"{a} bars {b}'s diplomats from its buildings", agent,
                             day, (self.actor_iri(other),), hostile_to=other)
        self.emit(action, dk("location"), self.capital[agent])

    def on_cooperation(self, agent: int, other: int, day: int) -> None:
        a, b = self.names_of(agent, other)
        self.action("CooperationSuspension", f"{a} suspends practical cooperation with {b}",
                    agent, day, (self.actor_iri(other),), hostile_to=other)

    def on_meeting(self, agent: int, other: int, day: int) -> None:
        a, b = self.names_of(agent, other)
        action = self.action("Meeting", f"{a} and {b} meet", agent, day)
        self.emit(action, dk("participant"), self.actor_iri(agent))
        self.emit(action, dk("participant"), self.actor_iri(other))
        self.emit(action, dk("location"), self.capital[self.rng.choice((agent, other))])
        self.emit(action, dk("topic"), text(self.rng.choice(TOPICS)))

    def on_criticism(self, agent: int, other: int, day: int) -> None:
        a, b = self.names_of(agent, other)
        self.action("Criticism", f"{a} denounces {b}", agent, day, (self.actor_iri(other),),
                    hostile_to=other)

    def on_support(self, agent: int, other: int, day: int) -> None:
        a, b = self.names_of(agent, other)
        self.action("SupportStance", f"{a} backs {b}", agent, day, (self.actor_iri(other),))

    def on_threat(self, agent: int, other: int, day: int) -> None:
        if other not in self.members[agent]:
            return self.on_criticism(agent, other, day)
        a, b = self.names_of(agent, other)
        self.action("WithdrawalThreat", f"{a} threatens to leave {b}", agent, day,
                    (self.actor_iri(other),), hostile_to=other)

    def on_force(self, agent: int, other: int, day: int) -> None:
        if self.is_org(agent) or self.is_org(other):
            return self.on_criticism(agent, other, day)
        a, b = self.names_of(agent, other)
        cls, label = ("TroopBuildUp", f"{a} masses troops near {b}") if self.rng.random() < 0.7 \
            else ("MilitaryIntervention", f"{a} intervenes militarily in {b}")
        action = self.action(cls, label, agent, day, (self.actor_iri(other),), hostile_to=other)
        self.emit(action, dk("location"), self.capital[other])

    def on_announce(self, agent: int, other: int, day: int) -> None:
        a, b = self.names_of(agent, other)
        action = self.action("Announcement", f"{a} announces measures concerning {b}", agent,
                             day, (self.actor_iri(other),), exact=True)
        self.announcement = (agent, action)

    def on_enlarge(self, agent: int, other: int, day: int) -> None:
        org, state = (agent, other) if self.is_org(agent) else (other, agent)
        if (not self.is_org(org) or self.is_org(state) or org in self.members[state]
                or (org == self.n_states and state == 0)):
            return self.on_support(agent, other, day)
        action = self.action("Enlargement", f"{self.names[org]} admits {self.names[state]}",
                             org, day, exact=True)
        self.join(state, org, day + self.rng.randrange(120), action)

    def on_leave(self, agent: int, other: int, day: int) -> None:
        state, org = (agent, other) if self.is_org(other) else (other, agent)
        if self.is_org(state) or org not in self.members[state]:
            return self.on_threat(agent, other, day)
        membership, start = self.members[state].pop(org)
        action = self.action("Action", f"{self.names[state]} leaves {self.names[org]}", state,
                             day, (self.actor_iri(org),), exact=True)
        end = max(start, day + self.rng.randrange(365))
        self.emit(membership, dk("endDate"), self.date(end))
        self.cite(membership)
        self.emit(action, dk("result"), membership)
