"""One plan's activation funnel drawn as horizontal bars (PNG): a bar per stage, from sign-up
through each step to finished, its length the share of the sign-ups who reached it. The labels
and figures sit beside it in the email's table, in the same order, so the image has no text."""

from __future__ import annotations

from og.core.funnel import PlanFunnel
from og.core.png import encode_rgb

__all__ = ["BAR_HEIGHT", "GAP", "WIDTH", "funnel_png"]

WIDTH = 480
BAR_HEIGHT = 18
GAP = 8
_BACKGROUND = bytes((255, 255, 255))
_TRACK = bytes((228, 231, 236))  # the full width: 100 % of the sign-ups
_SIGNED_UP = bytes((100, 116, 139))
_STEP = bytes((29, 78, 216))
_FINISHED = bytes((22, 163, 74))


def funnel_png(funnel: PlanFunnel) -> bytes:
    stages = funnel.stages()
    height = GAP + len(stages) * (BAR_HEIGHT + GAP)
    gap_row = _BACKGROUND * WIDTH
    rows = [gap_row] * GAP
    for i, (_, customers) in enumerate(stages):
        colour = _SIGNED_UP if i == 0 else _FINISHED if i == len(stages) - 1 else _STEP
        bar = _bar_width(customers, funnel.signed_up)
        rows += [colour * bar + _TRACK * (WIDTH - bar)] * BAR_HEIGHT
        rows += [gap_row] * GAP
    return encode_rgb(WIDTH, height, b"".join(rows))


def _bar_width(customers: int, signed_up: int) -> int:
    if not signed_up or not customers:
        return 0
    return max(2, round(WIDTH * min(customers, signed_up) / signed_up))  # a few still show
