"""Charts as PNG bytes, drawn with matplotlib's Agg renderer and no display.

pyplot is never imported: each chart is its own ``Figure`` on its own ``FigureCanvasAgg``, so no
global figure manager or GUI backend is involved. matplotlib still keeps some process-wide caches
(fonts, text layout), so rendering is serialised by a lock; a chart takes a fraction of a second.

Every series has its own grey shade *and* hatch pattern, so the charts read on a grey-scale
printer; each count is also written on its segment, and the outcome at the end of each bar.
"""

from __future__ import annotations

import textwrap
import threading
from dataclasses import dataclass
from io import BytesIO
from typing import Literal

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from bot.domain.consensus import OutcomeKind
from bot.domain.report import (
    DONT_KNOW_LABEL,
    AssessmentReport,
    Change,
    DomainReport,
    DomainStatus,
    average_grade,
    domain_change,
)
from bot.domain.report_text import (
    assessment_alt_text,
    chart_alt_text,
    flagged,
    format_average,
    grade_counts,
    grade_range,
    outcome_label,
    previous_grade_counts,
    status_text,
)
from bot.views.rounds import GradeScale

DPI = 100
WIDTH_INCHES = 9.0
_RENDER_LOCK = threading.Lock()


@dataclass(frozen=True)
class SeriesStyle:
    face: str
    hatch: str
    linestyle: Literal["solid", "dashed"] = "solid"


# Grades from darker to lighter; black hatches stay visible on every shade.
GRADE_STYLES: tuple[SeriesStyle, ...] = (
    SeriesStyle("#8c8c8c", "///"),  # 1 Inadequate
    SeriesStyle("#b3b3b3", "\\\\\\"),  # 2 Adequate
    SeriesStyle("#d9d9d9", "xx"),  # 3 Good
    SeriesStyle("#f7f7f7", "..."),  # 4 Outstanding
)
DONT_KNOW_STYLE = SeriesStyle("#ffffff", "", "dashed")
FLAGGED_STYLE = SeriesStyle("#4d4d4d", "")
NO_GRADE_STYLE = SeriesStyle("#ffffff", "", "dashed")


def grade_style(grade: int) -> SeriesStyle:
    return GRADE_STYLES[(grade - 1) % len(GRADE_STYLES)]


def _legend_patch(style: SeriesStyle, label: str) -> Patch:
    return Patch(
        facecolor=style.face,
        hatch=style.hatch,
        edgecolor="black",
        linestyle=style.linestyle,
        linewidth=0.6,
        label=label,
    )


def _segment(
    ax: Axes,
    y: float,
    left: float,
    count: int,
    style: SeriesStyle,
    height: float,
    *,
    text_colour: str = "black",
) -> None:
    if count <= 0:
        return
    ax.barh(
        y,
        count,
        left=left,
        height=height,
        color=style.face,
        hatch=style.hatch,
        edgecolor="black",
        linestyle=style.linestyle,
        linewidth=0.6,
    )
    ax.text(
        left + count / 2,
        y,
        str(count),
        ha="center",
        va="center",
        fontsize=8,
        color=text_colour,
        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"}
        if text_colour == "black"
        else None,
    )


def _png(figure: Figure, alt_text: str, title: str) -> bytes:
    buffer = BytesIO()
    FigureCanvasAgg(figure)  # the figure draws itself with Agg, never through a GUI backend
    figure.savefig(buffer, format="png", metadata={"Title": title, "Description": alt_text})
    return buffer.getvalue()


def _wrapped(text: str, width: int = 80) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _ticks(most: int) -> list[int]:
    """Whole numbers from 0 to ``most`` (at most about ten of them), none past the data."""
    step = max(1, -(-most // 10))
    return list(range(0, most + 1, step))


def _empty(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=11, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def domain_chart_png(domain: DomainReport, scale: GradeScale) -> bytes:
    """Per question, a stacked bar of grade counts and Don't know, with the outcome at its end."""
    with _RENDER_LOCK:
        return _domain_chart(domain, scale)


def _domain_chart(domain: DomainReport, scale: GradeScale) -> bytes:
    questions = domain.questions
    height = 2.4 + 0.5 * max(len(questions), 2)
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, layout="constrained")
    ax = figure.add_subplot()
    title = f"Domain {domain.number}: {domain.title}"
    subtitle = f"Graded by the {domain.subgroup_name}" if domain.subgroup_name else ""
    if domain.status is not DomainStatus.GRADED:
        subtitle = f"{subtitle} ({status_text(domain)})".strip()
    ax.set_title(_wrapped(title) + (f"\n{subtitle}" if subtitle else ""), fontsize=11, loc="left")
    if not questions:
        _empty(ax, f"No questions to show ({status_text(domain)})")
        return _png(figure, chart_alt_text(domain, scale), title)

    widest = max([q.distribution.participants for q in questions] + [1])
    electorate = max([q.electorate_size for q in questions] + [widest])
    for row, q in enumerate(questions):
        left = 0
        for grade in grade_range(scale):
            count = q.count(grade)
            _segment(ax, row, left, count, grade_style(grade), 0.6)
            left += count
        _segment(ax, row, left, q.distribution.dont_know, DONT_KNOW_STYLE, 0.6)
        left += q.distribution.dont_know
        label = outcome_label(q, scale)
        ax.annotate(
            label,
            xy=(left, row),
            xytext=(5, 0),
            textcoords="offset points",
            va="center",
            ha="left",
            fontsize=9,
            fontweight="normal" if q.outcome is OutcomeKind.AGREED else "bold",
        )
    ax.set_yticks(range(len(questions)), [q.question_id for q in questions])
    ax.set_ylim(len(questions) - 0.5, -0.5)  # first question at the top
    ax.set_xlim(0, electorate * 1.45 + 0.5)  # room after the bars for the outcome
    ax.set_xticks(_ticks(electorate))
    ax.set_xlabel(f"Members (of {electorate}) choosing each grade")
    ax.set_ylabel("Question")
    ax.spines[["top", "right"]].set_visible(False)
    handles = [
        _legend_patch(grade_style(grade), scale.named(grade)) for grade in grade_range(scale)
    ]
    handles.append(_legend_patch(DONT_KNOW_STYLE, DONT_KNOW_LABEL))
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.08 - 0.5 / height),
        ncol=len(handles),
        fontsize=8,
        frameon=False,
    )
    return _png(figure, chart_alt_text(domain, scale), title)


def assessment_chart_png(report: AssessmentReport) -> bytes:
    """Per domain, how many questions were agreed at each grade and how many were flagged.

    When the report has a previous cycle, each domain gets a second, thinner bar below for it.
    """
    with _RENDER_LOCK:
        return _assessment_chart(report)


def _current_bar(
    ax: Axes, domain: DomainReport, y: float, with_previous: bool, scale: GradeScale
) -> tuple[int, str]:
    """The domain's bar for this cycle; where it ends and the note to put after it."""
    if domain.status is not DomainStatus.GRADED:
        return 0, status_text(domain)
    left = 0
    counts = grade_counts(domain, scale)
    for grade in grade_range(scale):
        _segment(ax, y, left, counts[grade], grade_style(grade), 0.6)
        left += counts[grade]
    flags = len(flagged(domain))
    _segment(ax, y, left, flags, FLAGGED_STYLE, 0.6, text_colour="white")
    left += flags
    average = average_grade(domain)
    note = f"avg {format_average(average)}" if average is not None else "no grade agreed"
    moved = domain_change(domain)
    if with_previous and moved in (Change.UP, Change.DOWN, Change.SAME):
        note += f" ({moved.value})"
    return left, note


def _previous_bar(ax: Axes, domain: DomainReport, py: float, scale: GradeScale) -> None:
    """The thinner bar for the previous cycle, with the questions it gave no grade."""
    previous = previous_grade_counts(domain, scale)
    left = 0
    for grade in grade_range(scale):
        _segment(ax, py, left, previous[grade], grade_style(grade), 0.35)
        left += previous[grade]
    missing = len(domain.questions) - sum(previous.values())
    _segment(ax, py, left, missing, NO_GRADE_STYLE, 0.35)


def _assessment_legend(ax: Axes, report: AssessmentReport, height: float) -> None:
    scale = report.scale
    handles = [
        _legend_patch(grade_style(grade), scale.named(grade)) for grade in grade_range(scale)
    ]
    handles.append(_legend_patch(FLAGGED_STYLE, "Flagged (disagreement or no quorum)"))
    if report.previous_cycle is not None:
        handles.append(_legend_patch(NO_GRADE_STYLE, f"No grade in {report.previous_cycle}"))
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.08 - 0.45 / height),
        ncol=min(len(handles), 4),
        fontsize=8,
        frameon=False,
    )


def _assessment_chart(report: AssessmentReport) -> bytes:
    scale = report.scale
    domains = report.domains
    with_previous = report.previous_cycle is not None
    rows_per_domain = 2 if with_previous else 1
    rows = max(len(domains) * rows_per_domain, 2)
    height = 2.6 + 0.42 * rows
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, layout="constrained")
    ax = figure.add_subplot()
    title = f"{report.board_name}: agreed grades by domain, {report.cycle}"
    if with_previous:
        title += f" (thin bars: {report.previous_cycle})"
    ax.set_title(_wrapped(title), fontsize=11, loc="left")
    if not domains:
        _empty(ax, "No domains to show")
        return _png(figure, assessment_alt_text(report), title)

    positions: list[float] = []
    labels: list[str] = []
    most = 1
    for index, domain in enumerate(domains):
        y = index * rows_per_domain * 0.9
        positions.append(y)
        labels.append(f"Domain {domain.number}" + (f"\n{report.cycle}" if with_previous else ""))
        most = max(most, len(domain.questions))
        left, note = _current_bar(ax, domain, y, with_previous, scale)
        ax.annotate(
            note, xy=(left, y), xytext=(5, 0), textcoords="offset points", va="center", fontsize=9
        )
        if with_previous and domain.questions:
            positions.append(y + 0.8)
            labels.append(str(report.previous_cycle))
            _previous_bar(ax, domain, y + 0.8, scale)
    ax.set_yticks(positions, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, most * 1.4 + 0.5)
    ax.set_xticks(_ticks(most))
    ax.set_xlabel("Number of questions")
    ax.spines[["top", "right"]].set_visible(False)
    _assessment_legend(ax, report, height)
    return _png(figure, assessment_alt_text(report), title)
