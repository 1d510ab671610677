"""The bench's figures as Markdown tables, to paste into the README as they are."""

from __future__ import annotations

from collections.abc import Sequence

from bench.figures import Result, Side

MS = 1000.0


def markdown(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table: the first column left-aligned, the others right-aligned, padded."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join("-" * (w + 2) if i == 0 else "-" * (w + 1) + ":" for i, w in enumerate(widths))
        + "|"
    )
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def ratio(over: float, under: float) -> str:
    """``over / under``; "-" when ``under`` is 0 (a tiny burst's CPU can stay under one tick of
    /proc's clock, 10 ms)."""
    return f"{over / under:.2f}" if under else "-"


def _figures(side: Side) -> list[str]:
    return [
        f"{side.votes_per_second:.1f}",
        f"{side.p(0.5) * MS:.1f}",
        f"{side.p(0.99) * MS:.1f}",
        f"{side.cpu_per_vote * MS:.2f}",
    ]


def side_by_side(results: Sequence[Result]) -> str:
    """Ours and the floor, per platform and database, with ours over the floor."""
    header = ["", "votes/s", "p50 ms", "p99 ms", "CPU ms/vote", "p50 ×floor", "CPU ×floor"]
    rows = []
    for result in results:
        ours, floor = result.ours, result.floor
        where = f"{result.platform} {result.database}"
        rows.append(
            [
                f"{where} ours",
                *_figures(ours),
                ratio(ours.p(0.5), floor.p(0.5)),
                ratio(ours.cpu_per_vote, floor.cpu_per_vote),
            ]
        )
        rows.append([f"{where} floor", *_figures(floor), "", ""])
    return markdown(header, rows)


def _spread(values: Sequence[float]) -> str:
    return " / ".join(f"{value * MS:.1f}" for value in values)


def by_quarter(results: Sequence[Result]) -> str:
    """Whether a late vote costs more than an early one: p50 and CPU per vote in each quarter
    of every question's votes, and the last quarter's over the first's."""
    header = ["quarters of each question's votes", "p50 ms Q1 / Q2 / Q3 / Q4", "Q4/Q1"]
    header += ["CPU ms/vote Q1 / Q2 / Q3 / Q4", "Q4/Q1"]
    rows = []
    for result in results:
        for name, side in (("ours", result.ours), ("floor", result.floor)):
            quarters = side.quarters()
            p50 = [q.p50 for q in quarters]
            cpu = [q.cpu_per_vote for q in quarters]
            rows.append(
                [
                    f"{result.platform} {result.database} {name}",
                    _spread(p50),
                    ratio(p50[-1], p50[0]),
                    _spread(cpu),
                    ratio(cpu[-1], cpu[0]),
                ]
            )
    return markdown(header, rows)


def checks(results: Sequence[Result]) -> str:
    """The checks on ours, one column per platform and database."""
    header = ["checks (ours)", *(f"{r.platform} {r.database}" for r in results)]
    names: list[str] = []
    for result in results:
        names += [name for name, _ in result.checks if name not in names]
    rows = [[name, *(dict(r.checks).get(name, "-") for r in results)] for name in names]
    return markdown(header, rows)
