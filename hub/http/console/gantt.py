"""A project's filings on one timeline, as SVG drawn here (a Gantt of steps): one row per
filing, a bar per step from its event to the filing's next one (the last step runs to the
completion, or to the day shown for an open filing), the spans its clock stood still (补正,
特别程序) shaded, and a red tick where it was due."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from xml.sax.saxutils import escape

from hub.entities import EventStep
from hub.sla import SUSPENSIONS
from hub.weeks import CHINA

STEP_COLORS = {
    EventStep.ACCEPT.value: "#4e79a7",
    EventStep.HANDLE.value: "#76b7b2",
    EventStep.REVIEW.value: "#59a14f",
    EventStep.DECIDE.value: "#edc948",
    EventStep.SUPPLEMENT_REQUESTED.value: "#bab0ac",
    EventStep.SUPPLEMENT_RECEIVED.value: "#76b7b2",
    EventStep.SPECIAL_PROCEDURE_STARTED.value: "#b07aa1",
    EventStep.SPECIAL_PROCEDURE_ENDED.value: "#76b7b2",
    EventStep.COMPLETE.value: "#e15759",
}
OPENINGS = {opening.value: closing.value for opening, closing in SUSPENSIONS.items()}
ROW, LABEL, WIDTH, TOP = 26, 190, 900, 24


@dataclass(frozen=True, slots=True)
class Span:
    step: str
    start: datetime
    end: datetime


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).astimezone(CHINA)


def spans(filing: Mapping[str, Any], until: datetime) -> tuple[list[Span], list[Span]]:
    """A filing's step bars and its suspensions, from the events of the GraphQL answer."""
    events = sorted(filing["events"], key=lambda e: e["occurredAt"])
    end = _instant(filing.get("completedAt")) or until
    steps: list[Span] = []
    for event, following in zip(events, [*events[1:], None], strict=True):
        start = _instant(event["occurredAt"])
        stop = _instant(following["occurredAt"]) if following else end
        assert start is not None and stop is not None
        if stop > start or following is None:
            steps.append(Span(event["step"], start, max(stop, start)))
    suspended: list[Span] = []
    for i, event in enumerate(events):
        closing = OPENINGS.get(event["step"])
        if closing is None:
            continue
        start = _instant(event["occurredAt"])
        closed = next((e for e in events[i + 1 :] if e["step"] == closing), None)
        stop = _instant(closed["occurredAt"]) if closed else end
        assert start is not None and stop is not None
        suspended.append(Span(event["step"], start, stop))
    return steps, suspended


def gantt_svg(filings: Sequence[Mapping[str, Any]], day: date) -> str:
    """The timeline of ``filings`` (GraphQL ``Filing`` objects with their events, sla and
    matter), open ones drawn up to the end of ``day``."""
    until = datetime.combine(day + timedelta(days=1), time(), CHINA)
    drawn = [(f, *spans(f, until)) for f in filings if f["events"]]
    if not drawn:
        return ""
    starts = [s.start for _, steps, _ in drawn for s in steps]
    ends = [s.end for _, steps, _ in drawn for s in steps]
    first, last = min(starts), max(ends)
    total = max((last - first).total_seconds(), 86400.0)
    scale = (WIDTH - LABEL - 10) / total

    def x(moment: datetime) -> float:
        return round(LABEL + (moment - first).total_seconds() * scale, 1)

    height = TOP + ROW * len(drawn) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gantt" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-label="filings timeline">',
        '<defs><pattern id="paused" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="3" height="6" fill="#5f6368" '
        'fill-opacity="0.45"/></pattern></defs>',
    ]
    month = date(first.year, first.month, 1)
    while datetime.combine(month, time(), CHINA) <= last:
        at = x(max(datetime.combine(month, time(), CHINA), first))
        month_start = datetime.combine(month, time(), CHINA)
        # A label needs about 40 px: none for a month begun long before the first event (it
        # would overlap the next one) or too close to the right edge.
        crowded = month_start < first and first.day > 10
        if crowded or at > WIDTH - 40:
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
            continue
        parts.append(
            f'<line x1="{at}" y1="{TOP - 6}" x2="{at}" y2="{height}" stroke="#e8eaed"/>'
            f'<text x="{at + 2}" y="{TOP - 10}" font-size="10" fill="#5f6368">'
            f"{month:%Y-%m}</text>"
        )
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    for row, (filing, steps, suspended) in enumerate(drawn):
        y = TOP + row * ROW
        matter = (filing.get("matter") or {}).get("name") or filing["key"]
        label = escape(matter if len(matter) <= 14 else matter[:13] + "…")
        parts.append(
            f'<a href="#filing-{escape(filing["key"])}"><text x="4" y="{y + 15}" font-size="11">'
            f"{label}</text></a>"
        )
        for span in steps:
            width = max(x(span.end) - x(span.start), 1.5)
            title = f"{span.step} {span.start:%Y-%m-%d} – {span.end:%Y-%m-%d}"
            parts.append(
                f'<rect class="step" data-step="{span.step}" x="{x(span.start)}" y="{y + 4}" '
                f'width="{width:.1f}" height="14" fill="{STEP_COLORS.get(span.step, "#999")}">'
                f"<title>{escape(title)}</title></rect>"
            )
        for span in suspended:
            width = max(x(span.end) - x(span.start), 1.5)
            parts.append(
                f'<rect class="suspended" x="{x(span.start)}" y="{y + 1}" width="{width:.1f}" '
                f'height="20" fill="url(#paused)"><title>clock stopped: {span.step} '
                f"{span.start:%Y-%m-%d} – {span.end:%Y-%m-%d}</title></rect>"
            )
        due = (filing.get("sla") or {}).get("dueOn")
        if due:
            due_at = datetime.combine(date.fromisoformat(due) + timedelta(days=1), time(), CHINA)
            if first <= due_at <= last:
                parts.append(
                    f'<line class="due" x1="{x(due_at)}" y1="{y}" x2="{x(due_at)}" y2="{y + 22}" '
                    f'stroke="#d62728" stroke-width="2"><title>due {due}</title></line>'
                )
    parts.append("</svg>")
    return "".join(parts)
