"""The actions between two actors in date order, as rows and as an SVG picture.

The rows come from the named query ``timeline``; the picture puts one actor's actions left of
a vertical axis and the other's right of it, one row per action, a year marker where the
year changes. The same picture is served by ``/timeline.svg`` and written by ``kg timeline``.

>>> event = TimelineEvent(date="2021-10-18", action="https://w3id.org/diplo-kg/resource/action/x",
...                       label="Russia suspends its mission", kind="mission suspension",
...                       agents=("Russia",), effective="2021-11-01", paragraphs="4, 9")
>>> line = Timeline(a="urn:a", b="urn:b", a_label="NATO", b_label="Russia", start=None,
...                 end=None, events=(event,))
>>> svg = render_svg(line)
>>> svg.startswith("<svg") and "Russia suspends its mission" in svg
True
>>> in_period("2014-02/2014-03", "2014-03-01", None), in_period("2013", "2014-01-01", None)
(True, False)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from kg.engines import Engine
from kg.errors import KgError, ParameterError
from kg.queries import NamedQuery, Parameter, bind_literal, bind_parameters, run_named_query
from kg.results import Term

_LABEL = "SELECT ?entity ?label WHERE { ?entity rdfs:label ?label } ORDER BY ?label LIMIT 1"
_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?")


@dataclass(frozen=True)
class TimelineEvent:
    date: str
    action: str
    label: str
    kind: str
    agents: tuple[str, ...]
    effective: str | None
    paragraphs: str | None

    @property
    def year(self) -> str:
        return self.date[:4]


@dataclass(frozen=True)
class Timeline:
    a: str
    b: str
    a_label: str
    b_label: str
    start: str | None
    end: str | None
    events: tuple[TimelineEvent, ...]


def in_period(date: str, start: str | None, end: str | None) -> bool:
    """Whether a (possibly partial, uncertain or EDTF interval) date may fall between ``start``
    and ``end``: a partial date ``2014-02`` is compared at its own precision."""
    lower_text, _, upper_text = date.partition("/")
    lower, upper = _DATE.match(lower_text), _DATE.match(upper_text or lower_text)
    if not lower:
        return start is None and end is None
    low = lower.group()
    high = upper.group() if upper else "9999"
    return ((start is None or high >= start[:len(high)])
            and (end is None or low <= end[:len(low)]))


def build_timeline(catalog: Mapping[str, NamedQuery], engine: Engine, *, a: str, b: str,
                   start: str | None = None, end: str | None = None) -> Timeline:
    """The actions between ``a`` and ``b`` (entity arguments as the CLI takes them).

    Raises:
        ParameterError, EntityResolutionError: for bad actors or dates.
    """
    query = catalog.get("timeline")
    if query is None:
        raise KgError("the named query 'timeline' is missing from queries/")
    for name, value in (("from", start), ("to", end)):
        if value is not None:
            bind_literal(Parameter(name, "xsd:date", None, ""), value)
    if start and end and start > end:
        raise ParameterError(f"--from {start} is after --to {end}")
    bound = bind_parameters(query, {"a": a, "b": b}, engine)
    table = run_named_query(query, {"a": bound["a"].value, "b": bound["b"].value}, engine)
    merged: dict[str, TimelineEvent] = {}
    for row in table.records():
        action = row["action"].value
        agent = row["agentLabel"].value if "agentLabel" in row else ""
        previous = merged.get(action)
        date = row["date"].value if "date" in row else ""
        if not in_period(date, start, end):
            continue
        agents = tuple(dict.fromkeys((previous.agents if previous else ()) + (agent,)))
        merged[action] = TimelineEvent(
            date=date, action=action, label=row["actionLabel"].value,
            kind=row["kind"].value if "kind" in row else "action", agents=agents,
            effective=row["effective"].value if "effective" in row else None,
            paragraphs=row["paragraphs"].value if "paragraphs" in row else None)
    return Timeline(a=bound["a"].value, b=bound["b"].value,
                    a_label=_label(bound["a"].value, engine),
                    b_label=_label(bound["b"].value, engine), start=start, end=end,
                    events=tuple(merged.values()))


def _label(iri: str, engine: Engine) -> str:
    values = engine.select(_LABEL, {"entity": Term.iri(iri)}).values("label")
    return values[0] if values else iri


WIDTH, AXIS, ROW, YEAR_ROW, TOP = 980, 490, 46, 34, 96
COLOURS = {"a": "#1f5fa8", "b": "#b03a2e", "both": "#5b5b5b"}
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
MAX_LABEL = 58


def _side(event: TimelineEvent, line: Timeline) -> str:
    if line.a_label in event.agents and line.b_label in event.agents:
        return "both"
    return "b" if line.b_label in event.agents else "a"


def _short(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def render_svg(line: Timeline, *, link: Callable[[str], str] | None = None) -> str:
    """The timeline as a standalone SVG document; ``link`` maps an action IRI to an href."""
    height = TOP + sum(ROW for _ in line.events) + YEAR_ROW * len({e.year for e in line.events})
    height = max(height, TOP + 60) + 30
    period = " to ".join(p for p in (line.start or "", line.end or "") if p) or "all dates"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family={quoteattr(FONT)} role="img">',
        f"<title>{escape(f'Actions between {line.a_label} and {line.b_label}')}</title>",
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text x="{AXIS}" y="30" font-size="19" font-weight="bold" text-anchor="middle" '
        f'fill="#222">{escape(f"Actions between {line.a_label} and {line.b_label}")}</text>',
        f'<text x="{AXIS}" y="50" font-size="12" text-anchor="middle" fill="#555">'
        f'{escape(period)} · {len(line.events)} actions · diplo-kg</text>',
        f'<text x="{AXIS - 24}" y="80" font-size="14" font-weight="bold" text-anchor="end" '
        f'fill="{COLOURS["a"]}">{escape(_short(line.a_label, 40))} acts ◀</text>',
        f'<text x="{AXIS + 24}" y="80" font-size="14" font-weight="bold" '
        f'fill="{COLOURS["b"]}">▶ {escape(_short(line.b_label, 40))} acts</text>',
        f'<line x1="{AXIS}" y1="{TOP - 6}" x2="{AXIS}" y2="{height - 24}" stroke="#999" '
        f'stroke-width="2"/>',
    ]
    y, year = TOP, None
    for event in line.events:
        if event.year != year:
            year = event.year
            parts.append(f'<rect x="{AXIS - 30}" y="{y + 6}" width="60" height="22" rx="11" '
                         f'fill="#333"/><text x="{AXIS}" y="{y + 22}" font-size="13" '
                         f'font-weight="bold" text-anchor="middle" fill="#fff">'
                         f"{escape(year)}</text>")
            y += YEAR_ROW
        parts.append(_event_svg(event, line, y, link))
        y += ROW
    if not line.events:
        parts.append(f'<text x="{AXIS}" y="{TOP + 30}" font-size="14" text-anchor="middle" '
                     f'fill="#555">No action between these actors in this period.</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _event_svg(event: TimelineEvent, line: Timeline, y: int,
               link: Callable[[str], str] | None) -> str:
    side = _side(event, line)
    colour = COLOURS[side]
    left = side in ("a", "both")
    text_x, date_x = (AXIS - 22, AXIS + 22) if left else (AXIS + 22, AXIS - 22)
    anchor, date_anchor = ("end", "start") if left else ("start", "end")
    details = event.kind
    if side == "both":
        details += " · both"
    if event.effective:
        details += f" · effective {event.effective}"
    if event.paragraphs:
        details += f" · ¶ {event.paragraphs}"
    label = (f'<text x="{text_x}" y="{y + 18}" font-size="14" text-anchor="{anchor}" '
             f'fill="#111">{escape(_short(event.label))}</text>')
    if link is not None:
        label = f"<a href={quoteattr(link(event.action))}>{label}</a>"
    return (f'<g><title>{escape(event.label)} ({escape(event.date)})</title>'
            f'<circle cx="{AXIS}" cy="{y + 14}" r="7" fill="{colour}" stroke="#fff" '
            f'stroke-width="2"/>{label}'
            f'<text x="{text_x}" y="{y + 35}" font-size="11.5" text-anchor="{anchor}" '
            f'fill="{colour}">{escape(_short(details, 75))}</text>'
            f'<text x="{date_x}" y="{y + 18}" font-size="12.5" font-weight="bold" '
            f'text-anchor="{date_anchor}" fill="#333">{escape(event.date)}</text></g>')


def render_png(svg: str) -> bytes:
    """The SVG rasterized to PNG with CairoSVG (needs the cairo library).

    Raises:
        KgError: when CairoSVG or cairo is not installed.
    """
    try:
        import cairosvg
    except (ImportError, OSError) as error:
        raise KgError(f"PNG output needs CairoSVG and the cairo library ({error}); "
                      "install them or write an .svg file") from None
    return cairosvg.svg2png(bytestring=svg.encode("utf-8"), output_width=WIDTH * 2)
