"""Precision and recall of a comparison of reported items with true ones, from its counts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MatchCounts:
    """How many items the truth has, how many were reported, how many of those are true."""

    truth_count: int
    found_count: int
    matched: int

    @property
    def precision(self) -> float | None:
        """Share of reported items that are real; None when nothing was reported."""
        return self.matched / self.found_count if self.found_count else None

    @property
    def recall(self) -> float | None:
        """Share of real items that were reported; None when the truth has none."""
        return self.matched / self.truth_count if self.truth_count else None


def ratio_text(value: float | None) -> str:
    """A precision, recall or F1 as the tables print it: three decimals, `-` when undefined."""
    return "-" if value is None else f"{value:.3f}"
