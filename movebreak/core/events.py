"""The one list of event types: what the engine reports, the app records and history counts.

Pure (standard library only). `EventType` is a `StrEnum`, so a member compares equal to its
text and is stored in SQLite and JSON as that text.

Rules:
- The engine produces the scheduling events (shown ... settings).
- The app records every type in `RECORDED` in history; the others (`hours_start`,
  `settings`, `hold`) only steer the runtime.
- Sleep is recorded when it happens: `suspend` when the machine goes to sleep (logind's
  signal; or, without one, on return with the gap it inferred, detail `gap_s`) and `wake` when
  it is back (detail `asleep_s`). A locked screen is `away` from the moment it locks (detail
  `reason` "locked").
- Windows write their own events (`routine`, `checkin`). `safety_seen` is no longer written
  (the acknowledgement lives with the settings, in state.toml); old histories may hold it.
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    SHOWN = "shown"  # a reminder was shown (or echoed on the terminal)
    DONE = "done"
    SNOOZED = "snoozed"
    SKIPPED = "skipped"
    SUPERSEDED = "superseded"  # an unanswered reminder was replaced by a newer one
    STALE_ACTION = "stale_action"  # a button on a reminder that was no longer waiting
    NATURAL = "natural"  # away long enough to count as a movement break
    AWAY = "away"
    SUSPEND = "suspend"  # the machine slept (or the clock jumped forward)
    WAKE = "wake"  # the machine woke from sleep (a signal said so, or a tick gap showed it)
    CLOCK_JUMP = "clock_jump"  # the wall clock went back
    PAUSED = "paused"
    RESUMED = "resumed"
    HOURS_START = "hours_start"  # working hours began: every interval restarted
    SETTINGS = "settings"  # new settings applied live
    HOLD = "hold"  # a hold reason (dnd, fullscreen, locked) began or ended: detail reason, on
    ROUTINE = "routine"  # a guided routine ran (written by the routine window)
    CHECKIN = "checkin"  # a comfort check-in (routine window)
    SAFETY_SEEN = "safety_seen"


#: Types the app writes to history when the engine reports them.
RECORDED: frozenset[EventType] = frozenset(EventType) - {EventType.HOURS_START,
                                                        EventType.SETTINGS, EventType.HOLD}
#: Types a day's counts report (0 when none): everything that reaches history.
COUNTED: tuple[EventType, ...] = tuple(t for t in EventType if t in RECORDED)
#: The answers a person gives to a waiting reminder.
ANSWERS: frozenset[EventType] = frozenset({EventType.DONE, EventType.SNOOZED, EventType.SKIPPED})
