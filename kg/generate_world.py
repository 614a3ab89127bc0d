"""The simulated world behind :mod:`kg.generate`: actors, posts, channels, missions, reports.

:class:`World` holds the state of one run and the primitives that write it as N-Triples (an
actor, a membership, a channel with its mission, a tenure, a news report with its paragraphs);
:mod:`kg.generate_events` drives it through time. Nothing here reads files or the environment.
Every random choice comes from one seeded :class:`random.Random` and nothing iterates over a
set, so a run is the same on every machine.

>>> world = World(triples=1000, seed=1)
>>> world.setup()
>>> world.count > 100 and all(line.endswith(" .\\n") for line in world.out[1:])
True
"""

from __future__ import annotations

import datetime
from collections import deque
from itertools import accumulate
from random import Random

from kg.namespaces import DK, DKR, PREFIXES

GEN = DKR + "gen/"
FIRST_DAY = datetime.date(1990, 1, 1).toordinal()
LAST_DAY = datetime.date(2025, 12, 31).toordinal()
_XSD, _RDFS, _ORG, _DCT = (PREFIXES[p] for p in ("xsd", "rdfs", "org", "dcterms"))
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = f"<{_RDFS}label>"
DESCRIPTION = f"<{_DCT}description>"
REFERENCE = f"<{GEN}source/reference-table>"
SYLLABLES = ("ar", "bel", "cor", "dan", "ev", "fal", "gor", "hal", "is", "jor", "kal", "lor",
             "mar", "nor", "os", "pel", "quen", "ros", "sel", "tar", "ul", "val", "wen", "zar")


def dk(term: str) -> str:
    """An ontology term in N-Triples form.

    >>> dk("Channel")
    '<https://w3id.org/diplo-kg/ontology#Channel>'
    """
    return f"<{DK}{term}>"


def iri(path: str) -> str:
    return f"<{GEN}{path}>"


def text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"@en'


def integer(value: int) -> str:
    return f'"{value}"^^<{_XSD}integer>'


def iso(day: int) -> str:
    return datetime.date.fromordinal(day).isoformat()


class World:
    """The state of one simulation and the primitives that write it."""

    def __init__(self, triples: int, seed: int) -> None:
        self.target, self.seed = triples, seed
        self.rng = Random(seed)
        self.out: list[str] = []
        self.count = 0
        self.counters: dict[str, int] = {}
        self.dates: dict[int, str] = {}
        # Actors grow with the square root of the size: more history, and more actors in it.
        self.n_states = max(10, int(triples ** 0.5 / 3))
        self.n_orgs = max(3, self.n_states // 10)
        actors = self.n_states + self.n_orgs
        self.state_weights = list(accumulate(1 / (r + 1) ** 1.1 for r in range(self.n_states)))
        self.actor_weights = list(accumulate(
            [1 / (r + 1) ** 1.1 for r in range(self.n_states)]
            + [1.5 / (r + 1) ** 1.1 for r in range(self.n_orgs)]))
        self.names: list[str] = []
        self.capital: list[str] = []
        self.posts: list[list[list]] = [[] for _ in range(actors)]  # [post, (person, tenure), end]
        self.members: list[dict[int, tuple[str, int]]] = [{} for _ in range(actors)]
        self.pair_channels: dict[tuple[int, int], list[int]] = {}
        self.channels: dict[int, tuple] = {}  # id -> (kind, mission id or 0, a, b, start)
        self.missions_to: dict[tuple[int, int], list[int]] = {}  # (sender, receiver) -> ids
        self.mission_info: dict[int, tuple[str, int, int]] = {}  # id -> (class, channel, start)
        self.caps: dict[int, int] = {}
        self.last_mission_in: dict[int, str] = {}
        self.against: list[deque] = [deque(maxlen=12) for _ in range(actors)]
        self.report: tuple[str, int] | None = None
        self.cited = 0
        self.announcement: tuple[int, str] | None = None

    # -- writing ------------------------------------------------------------------------------

    def emit(self, subject: str, predicate: str, obj: str) -> None:
        self.out.append(f"{subject} {predicate} {obj} .\n")
        self.count += 1

    def node(self, kind: str) -> tuple[int, str]:
        number = self.counters.get(kind, 0) + 1
        self.counters[kind] = number
        return number, iri(f"{kind}/{number}")

    def date(self, day: int) -> str:
        if day not in self.dates:
            self.dates[day] = f'"{iso(day)}"^^<{_XSD}date>'
        return self.dates[day]

    def cite(self, subject: str) -> None:
        """Cite a paragraph of the running report, or the reference table before any report."""
        if self.report is None:
            self.emit(subject, dk("citesSource"), REFERENCE)
            return
        source, paragraphs = self.report
        self.cited += 1
        index = self.cited % paragraphs + 1
        self.emit(subject, dk("citesParagraph"), f"{source[:-1]}/p{index}>")
        if index != 1 and self.rng.random() < 0.1:
            self.emit(subject, dk("citesParagraph"), f"{source[:-1]}/p1>")
            self.emit(subject, dk("citesSource"), source)

    # -- actors ---------------------------------------------------------------------------------

    def pick_actor(self, weights: list[float], exclude: int = -1) -> int:
        while True:
            actor = self.rng.choices(range(len(weights)), cum_weights=weights)[0]
            if actor != exclude:
                return actor

    def is_org(self, actor: int) -> bool:
        return actor >= self.n_states

    def actor_iri(self, actor: int) -> str:
        if self.is_org(actor):
            return iri(f"org/{actor - self.n_states + 1}")
        return iri(f"state/{actor + 1}")

    def setup(self) -> None:
        """The world of 1989: actors, their posts, memberships and the channels between them."""
        rng = self.rng
        self.out.append(f"# generated by kg generate --triples {self.target} --seed {self.seed}"
                        " - do not edit; synthetic data under dkr:gen/\n")
        self.emit(REFERENCE, TYPE, dk("ReferenceTable"))
        self.emit(REFERENCE, f"<{_DCT}title>", text("Generated reference table"))
        taken: set[str] = set()
        for actor in range(self.n_states + self.n_orgs):
            name = ""
            while not name or name in taken:
                name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).title()
            taken.add(name)
            self.add_actor(actor, name)
        before = FIRST_DAY - 1
        for org in range(self.n_states, self.n_states + self.n_orgs):
            founded = datetime.date(1945 + rng.randrange(40), 1 + rng.randrange(12), 1).toordinal()
            for _ in range(rng.randint(3, max(3, min(30, self.n_states // 3)))):
                state = self.pick_actor(self.state_weights)
                if (org == self.n_states and state == 0) or org in self.members[state]:
                    continue
                self.join(state, org, min(before, founded + rng.choice((0, rng.randrange(3000)))))
            for rival in range(3):  # the organization's rivals talk to it directly
                if org not in self.members[rival]:
                    self.open_channel("mission", rival, org, min(before, founded + 400))
                    self.open_channel("council", rival, org, min(before, founded + 800))
        for state in range(self.n_states):
            for _ in range(1 + int(6 / (state + 1) ** 0.5)):
                other = self.pick_actor(self.state_weights, exclude=state)
                start = datetime.date(1946 + rng.randrange(43), 1, 1).toordinal()
                self.open_channel("relations" if rng.random() < 0.6 else "mission",
                                  state, other, start + rng.randrange(365))

    def add_actor(self, actor: int, name: str) -> None:
        org = self.is_org(actor)
        if org:
            name += " Pact" if actor % 2 else " Union"
        self.names.append(name)
        subject = self.actor_iri(actor)
        kind = ("MilitaryAlliance" if actor % 2 else "InternationalOrganization") if org \
            else "State"
        self.emit(subject, TYPE, dk(kind))
        self.emit(subject, LABEL, text(name))
        self.emit(subject, DESCRIPTION,
                  text(f"{name}, a generated {'organization' if org else 'state'}."))
        self.emit(subject, dk("citesSource"), REFERENCE)
        if org:
            self.capital.append(self.capital[self.rng.randrange(self.n_states)])
        else:
            _, city = self.node("city")
            self.emit(city, TYPE, dk("City"))
            self.emit(city, LABEL, text(f"{name} City"))
            self.emit(city, dk("locatedIn"), subject)
            self.capital.append(city)
        titles = ("Secretary General", "Spokesperson") if org else \
            ("Foreign Minister", "Head of Government")
        for title in titles:
            _, post = self.node("post")
            self.emit(post, TYPE, dk("Post"))
            self.emit(post, LABEL, text(f"{title} of {name}"))
            self.emit(post, dk("postIn"), subject)
            self.posts[actor].append([post, None, 0])

    def join(self, state: int, org: int, start: int, enlargement: str | None = None) -> None:
        _, membership = self.node("membership")
        self.emit(membership, TYPE, dk("Membership"))
        self.emit(membership, LABEL, text(f"{self.names[state]} in {self.names[org]}"))
        self.emit(membership, f"<{_ORG}member>", self.actor_iri(state))
        self.emit(membership, f"<{_ORG}organization>", self.actor_iri(org))
        self.emit(membership, dk("startDate"), self.date(start))
        self.cite(membership)
        if enlargement:
            self.emit(enlargement, dk("result"), membership)
        self.members[state][org] = (membership, start)
        if self.rng.random() < 0.5:
            self.open_channel("mission", state, org, start)

    def speaker(self, actor: int, day: int, which: int = 0) -> str:
        """The person holding one of ``actor``'s posts on ``day``, appointing one if needed."""
        post = self.posts[actor][which]
        if post[1] is None or day >= post[2]:
            start = day - self.rng.randrange(1500) if post[1] is None else \
                max(post[2], day - self.rng.randrange(200))
            if post[1] is not None:
                self.emit(post[1][1], dk("endDate"), self.date(start))
            number, person = self.node("person")
            given = self.rng.choice(SYLLABLES).title() + self.rng.choice(SYLLABLES)
            self.emit(person, TYPE, dk("Person"))
            self.emit(person, LABEL, text(f"{given} of {self.names[actor]} ({number})"))
            _, tenure = self.node("tenure")
            self.emit(tenure, TYPE, dk("Tenure"))
            self.emit(tenure, dk("holder"), person)
            self.emit(tenure, dk("post"), post[0])
            self.emit(tenure, dk("startDate"), self.date(start))
            self.cite(tenure)
            post[1], post[2] = (person, tenure), max(day + 1, start + self.rng.randint(700, 3000))
        return post[1][0]

    def new_report(self, day: int) -> None:
        """A news report of ``day`` with its paragraphs; what follows cites them."""
        number, source = self.node("source")
        paragraphs = self.rng.randint(4, 16)
        self.emit(source, TYPE, dk("NewsReport"))
        self.emit(source, LABEL, text(f"Generated report {number} of {iso(day)}"))
        self.emit(source, f"<{_DCT}title>", text(f"Diplomatic news of {iso(day)}"))
        self.emit(source, f"<{_DCT}date>", self.date(day))
        self.emit(source, dk("paragraphCount"), integer(paragraphs))
        for index in range(1, paragraphs + 1):
            paragraph = f"{source[:-1]}/p{index}>"
            self.emit(paragraph, TYPE, dk("Paragraph"))
            self.emit(paragraph, LABEL, text(f"Generated report {number}, paragraph {index}"))
            self.emit(paragraph, dk("inSource"), source)
            self.emit(paragraph, dk("paragraphNumber"), integer(index))
        self.report, self.cited = (source, paragraphs), self.rng.randrange(paragraphs)
        self.announcement = None

    # -- channels and missions ------------------------------------------------------------------

    def open_channel(self, kind: str, a: int, b: int, day: int,
                     opener: str | None = None) -> str:
        """A channel of ``kind`` (relations, mission or council) between ``a`` and ``b``."""
        if kind == "relations" and (self.is_org(a) or self.is_org(b)):
            kind = "mission"
        if kind == "mission" and self.is_org(a) and self.is_org(b):
            kind = "council"
        number, channel = self.node("channel")
        mission_number = 0
        pair = f"{self.names[a]}-{self.names[b]}"
        if kind == "relations":
            cls, label = "BilateralRelations", f"{pair} diplomatic relations"
        elif kind == "council":
            cls, label = "CouncilChannel", f"{pair} council"
        else:
            mission_number, mission, mission_label = self.open_mission(a, b, day, number)
            cls = "EmbassyChannel" if self.mission_info[mission_number][0] == "Embassy" \
                else "MissionChannel"
            label = f"{mission_label} (channel)"
            self.emit(channel, dk("realisedBy"), mission)
        self.emit(channel, TYPE, dk(cls))
        self.emit(channel, LABEL, text(f"{label} {number}"))
        self.emit(channel, dk("party"), self.actor_iri(a))
        self.emit(channel, dk("party"), self.actor_iri(b))
        self.emit(channel, dk("startDate"), self.date(day))
        self.cite(channel)
        if opener:
            self.emit(opener, dk("opensChannel"), channel)
        self.pair_channels.setdefault((min(a, b), max(a, b)), []).append(number)
        self.channels[number] = (kind, mission_number, a, b, day)
        return channel

    def open_mission(self, sender: int, receiver: int, day: int,
                     channel: int) -> tuple[int, str, str]:
        number, mission = self.node("mission")
        if not self.is_org(sender) and not self.is_org(receiver):
            cls, label = "Embassy", f"Embassy of {self.names[sender]} in {self.names[receiver]}"
        elif not self.is_org(sender):
            cls, label = "PermanentMission", \
                f"Permanent Mission of {self.names[sender]} to {self.names[receiver]}"
        else:
            cls = "InformationOffice" if self.rng.random() < 0.7 else "MilitaryLiaisonMission"
            label = f"{self.names[sender]} office in {self.names[receiver]}"
        label = f"{label} ({number})"
        self.emit(mission, TYPE, dk(cls))
        self.emit(mission, LABEL, text(label))
        self.emit(mission, dk("sender"), self.actor_iri(sender))
        self.emit(mission, dk("receiver"), self.actor_iri(receiver))
        self.emit(mission, dk("seat"), self.capital[receiver])
        self.emit(mission, dk("startDate"), self.date(day))
        self.cite(mission)
        if self.rng.random() < 0.2:
            _, post = self.node("post")
            self.emit(post, TYPE, dk("Post"))
            self.emit(post, LABEL, text(f"Head of the {label}"))
            self.emit(post, dk("postIn"), self.actor_iri(sender))
            self.emit(mission, dk("headedBy"), post)
        host = self.last_mission_in.get(receiver)
        if cls != "Embassy" and host and self.rng.random() < 0.3:
            self.emit(mission, dk("hostPremises"), host)
        self.last_mission_in[receiver] = mission
        self.missions_to.setdefault((sender, receiver), []).append(number)
        self.mission_info[number] = (cls, channel, day)
        self.caps[number] = self.rng.randint(10, 60)
        return number, mission, label

    def close_channel(self, number: int, action: str, effective: int, uncertain: bool) -> None:
        """End channel ``number`` (and its mission) by ``action``, from ``effective`` on."""
        kind, mission_number, a, b, _start = self.channels.pop(number)
        self.pair_channels[(min(a, b), max(a, b))].remove(number)
        channel = iri(f"channel/{number}")
        ended = [channel]
        if mission_number:
            ended.append(iri(f"mission/{mission_number}"))
            self.missions_to[(a, b)].remove(mission_number)
        for subject in ended:
            if uncertain:
                self.emit(subject, dk("endEarliest"), self.date(effective))
                self.emit(subject, dk("endEDTF"), f'"{iso(effective)}/.."')
            else:
                self.emit(subject, dk("endDate"), self.date(effective))
        self.emit(channel, dk("endedBy"), action)
        self.emit(action, dk("endsChannel"), channel)
