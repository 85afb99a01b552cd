"""The history window: `python -m movebreak.ui.history [--config FILE] [--days N]`.

Its own process (the tray app spawns it). The Tk main thread builds the window; one worker
thread opens the SQLite history, computes the summaries and draws the chart images with Pillow,
then hands them back through a queue that the main thread polls (a locked database may keep
the worker waiting for the busy timeout; the window stays responsive meanwhile). Any failure to
read (corrupt, locked, newer schema, I/O) is shown as text in the window, with a Retry button.
"""

from __future__ import annotations

import argparse
import os
import queue
import sys
import threading
import tkinter as tk
import tkinter.font as tkfont
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from tkinter import ttk

from PIL import Image, ImageTk

from movebreak.adapters import storage
from movebreak.core.catalog import EXERCISES, KINDS
from movebreak.core.durations import format_countdown
from movebreak.core.l10n import (
    N_,
    _,
    format_day_month,
    format_time,
    format_weekday,
    ngettext,
    pgettext,
)
from movebreak.ui import charts, setup_language
from movebreak.ui.common import (
    Look,
    apply_look,
    dump_visible_state,
    geometry,
    on_terminate,
    open_root,
    pin_label_colors,
    safety_foot,
)

WINDOW_TITLE = N_("movebreak history")
MAX_ROWS = 300


def event_labels() -> dict[str, str]:
    """What the list calls each event type, in the current language (types not listed show
    their own name)."""
    return {
        # TRANSLATORS: an event in the history: a reminder was shown.
        "shown": pgettext("event", "Reminder"),
        # TRANSLATORS: breaks done (a chart's legend and the history's list of events).
        "done": pgettext("breaks", "Done"),
        "snoozed": _("Snoozed"), "skipped": _("Skipped"),
        "natural": _("Natural break"),
        # TRANSLATORS: an event in the history: reminders were paused.
        "paused": pgettext("event", "Paused"),
        "resumed": pgettext("event", "Resumed"),
        # TRANSLATORS: an event in the history: the person was away from the computer.
        "away": pgettext("event", "Away"),
        # TRANSLATORS: an event in the history: the computer was asleep.
        "suspend": pgettext("event", "Asleep"),
        "wake": pgettext("event", "Wake"),
        # TRANSLATORS: an event in the history: the stretch routine was done.
        "routine": pgettext("event", "Routine"),
        "checkin": pgettext("event", "Check-in"),
        "safety_seen": pgettext("event", "Safety notice"),
        "clock_jump": pgettext("event", "Clock change"),
        "hours_start": pgettext("event", "Hours began"),
        # TRANSLATORS: an event in the history: new settings were applied.
        "settings": pgettext("event", "Settings"),
        # TRANSLATORS: an event in the history: reminders were held back (do not disturb,
        # a full-screen window, a locked screen) or released.
        "hold": pgettext("event", "Hold"),
        # TRANSLATORS: an event in the history: a newer reminder replaced an unanswered one.
        "superseded": pgettext("event", "Superseded"),
        # TRANSLATORS: an event in the history: a reminder's button was pressed after the
        # reminder had gone.
        "stale_action": pgettext("event", "Stale action"),
    }

#: Event types listed in a muted colour (bookkeeping rather than something the user did).
QUIET = {"shown", "paused", "resumed", "away", "suspend", "clock_jump", "hours_start",
         "settings", "safety_seen"}

#: The numbers at the top: (label, key in the daily_summary row, chart colour key or None);
#: the labels are translated where shown.
TILES = (
    (N_("Breaks done"), "done", "done"),
    (N_("Natural breaks"), "natural", "natural"),
    (N_("Snoozed"), "snoozed", "snoozed"),
    (N_("Skipped"), "skipped", "skipped"),
    (N_("Longest sitting"), "longest_sitting_s", "line"),
)


def local_tz() -> tzinfo:
    """The local zone with its DST rules where tzlocal is installed (it comes with APScheduler)."""
    try:
        import tzlocal
        return tzlocal.get_localzone()
    except Exception:  # noqa: BLE001 - any trouble: the current fixed offset will do
        return datetime.now().astimezone().tzinfo or UTC


@dataclass
class HistoryData:
    """What the worker thread hands to the window."""

    days: list[dict] = field(default_factory=list)
    comfort: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    error: str | None = None
    missing: bool = False  # no history file yet
    chart: Image.Image | None = None
    comfort_chart: Image.Image | None = None


def read_history(path: Path, days: int, now: datetime, tz: tzinfo,
                 timeout: float = 2.0) -> HistoryData:
    """Summaries, comfort check-ins and recent events from `path`; never raises.

    Any thread. A missing file gives empty data (the file is not created); a broken one gives
    `error` with the reason.
    """
    from movebreak.adapters.history import History, HistoryError

    data = HistoryData()
    today = now.astimezone(tz).date()
    if not path.exists():
        data.missing = True
        data.days = [{"day": today - timedelta(days=days - 1 - i)} for i in range(days)]
        return data
    try:
        hist = History(path, timeout=timeout, check=False)  # a damaged page shows when read
    except HistoryError as e:
        data.error = _explain(e.reason, str(e))
        return data
    except Exception as e:  # noqa: BLE001 - shown to the user instead of crashing
        # TRANSLATORS: {error} is the reason.
        data.error = _("Could not open the history: {error}").format(error=e)
        return data
    try:
        data.days = hist.daily_summary(days, tz, today, now=now)
        data.comfort = hist.comfort_series(days, now=now)
        first = datetime.combine(today - timedelta(days=days - 1), datetime.min.time(),
                                 tzinfo=tz)
        data.events = hist.recent_events(since=first, limit=MAX_ROWS)
    except HistoryError as e:
        data.error = _explain(e.reason, str(e))
    except Exception as e:  # noqa: BLE001 - e.g. a damaged row deep inside the file
        # TRANSLATORS: {error} is the reason.
        data.error = _("Could not read the history: {error}").format(
            error=f"{type(e).__name__}: {e}")
    finally:
        hist.close()
    return data


def _explain(reason: str, text: str) -> str:
    lead = {
        "corrupt": _("The history file is damaged, so it cannot be shown."),
        "locked": _("The history file is busy (another program holds it locked)."),
        "newer": _("The history file comes from a newer movebreak."),
        "io": _("The history file cannot be read."),
    }.get(reason) or _("The history cannot be shown.")
    hint = {
        "corrupt": _("movebreak keeps reminding you; when the app next starts it moves the "
                     "damaged file aside and begins a fresh one."),
        "locked": _("Try again in a moment."),
    }.get(reason, "")
    return f"{lead} {hint}\n\n{text}" if hint else f"{lead}\n\n{text}"


def day_text(d: date) -> str:
    """A day as the list and the subtitle name it: weekday, day and month ("Mon 1 Dec")."""
    at = datetime.combine(d, time())
    # TRANSLATORS: a day: {weekday} is e.g. "Mon", {date} e.g. "1 Dec".
    return _("{weekday} {date}").format(weekday=format_weekday(at), date=format_day_month(at))


def sitting_text(seconds: float) -> str:
    """'1 h 25 min', '40 min', or an en dash for none."""
    # TRANSLATORS: a number of seconds, e.g. "30 s".
    return format_countdown(seconds) if seconds and seconds >= 60 else (
        _("{n} s").format(n=int(seconds)) if seconds else "–")


def describe(ev: dict, tz: tzinfo, today: date) -> tuple[str, str, str]:
    """(when, what, details) for one event row in the list."""
    at = ev["at"].astimezone(tz)
    d = at.date()
    day = _("Today") if d == today else _("Yesterday") if d == today - timedelta(days=1) \
        else day_text(d)
    # TRANSLATORS: when an event happened: {day} is "Today", "Yesterday" or a day such as
    # "Mon 1 Dec"; {time} is the time of day.
    when = _("{day} {time}").format(day=day, time=format_time(at))
    what = event_labels().get(ev["type"], ev["type"].replace("_", " ").capitalize())
    detail = ev.get("detail") if isinstance(ev.get("detail"), dict) else {}
    parts: list[str] = []
    kind = ev.get("kind")
    ex = detail.get("exercise")
    if isinstance(ex, str) and ex in EXERCISES:
        parts.append(EXERCISES[ex].name)  # the exercise says more than its kind's title
    elif kind in KINDS and ev["type"] not in ("natural", "routine"):
        parts.append(KINDS[kind].title)
    t = ev["type"]
    if t == "natural" and isinstance(detail.get("away_s"), (int, float)):
        # TRANSLATORS: how long the person was away, e.g. "away 7 min".
        parts.append(_("away {duration}").format(duration=format_countdown(detail["away_s"])))
    elif t == "routine":
        done, total = detail.get("steps_done"), detail.get("steps_total")
        if isinstance(done, int) and isinstance(total, int):
            if detail.get("complete") and done == total:
                parts.append(ngettext("all {total} hold", "all {total} holds", total).format(
                    total=total))
            else:
                parts.append(ngettext("{done} of {total} hold", "{done} of {total} holds",
                                      total).format(done=done, total=total))
        names = [EXERCISES[e].name for e in detail.get("exercises") or [] if e in EXERCISES]
        if len(names) == 1:
            parts.append(names[0])
        elif names:
            parts.append(ngettext("{n} stretch", "{n} stretches", len(names)).format(
                n=len(names)))
    elif t == "checkin":
        value = detail.get("comfort", detail.get("score"))
        if isinstance(value, int):
            # TRANSLATORS: a comfort check-in's answer, e.g. "comfort 8/10".
            parts.append(_("comfort {value}/10").format(value=value))
    elif t == "snoozed" and isinstance(detail.get("seconds"), (int, float)):
        # TRANSLATORS: how long, e.g. "for 10 min".
        parts.append(_("for {duration}").format(duration=format_countdown(detail["seconds"])))
    elif t == "suspend" and isinstance(detail.get("gap_s"), (int, float)):
        # TRANSLATORS: how long, e.g. "for 10 min".
        parts.append(_("for {duration}").format(duration=format_countdown(detail["gap_s"])))
    return when, what, " · ".join(parts)


class HistoryWindow:
    """The window on a Tk root; `reload()` reads the database again (worker thread)."""

    def __init__(self, root: tk.Tk, days: int = 7, *, path: Path | None = None,
                 debug_file: str | None = None) -> None:
        self.root = root
        self.days = days
        self.path = path or storage.history_path()
        self.debug_file = debug_file
        self.tz = local_tz()
        self.look: Look = apply_look(root)
        self._queue: queue.Queue[HistoryData] = queue.Queue()
        self._loading = False
        self._photos: list[ImageTk.PhotoImage] = []
        self.data: HistoryData | None = None
        self.loads = 0  # completed reads (shown in the debug state)
        self.chart_size, self.comfort_size = self._chart_sizes()

        root.title(_(WINDOW_TITLE))
        root.columnconfigure(0, weight=1)
        root.rowconfigure(0, weight=1)
        px = self.look.px
        outer = ttk.Frame(root, padding=(px(20), px(16), px(20), px(16)))
        outer.grid(row=0, column=0, sticky="nsew")
        outer.columnconfigure(0, weight=0)
        outer.columnconfigure(1, weight=1)
        outer.rowconfigure(4, weight=1)
        self.outer = outer

        header = ttk.Frame(outer)
        header.grid(row=0, column=0, columnspan=2, sticky="ew")
        header.columnconfigure(0, weight=1)
        ttk.Label(header, text=_("Your breaks"), style="Title.TLabel").grid(row=0, column=0,
                                                                            sticky="w")
        self.subtitle = ttk.Label(header, text=_("Loading…"), style="Muted.TLabel")
        self.subtitle.grid(row=1, column=0, sticky="w")
        self.retry_button = ttk.Button(header, text=_("Refresh"), command=self.reload)
        self.retry_button.grid(row=0, column=1, rowspan=2, sticky="e", padx=(0, px(8)))
        self.close_button = ttk.Button(header, text=_("Close"), command=self.close,
                                       style="Accent.TButton")
        self.close_button.grid(row=0, column=2, rowspan=2, sticky="e")

        self.banner = ttk.Frame(outer, style="Banner.TFrame", padding=px(12))
        self.banner.columnconfigure(0, weight=1)
        self.error_title = ttk.Label(self.banner, text="⚠  " + _("History not available"),
                                     style="BannerTitle.TLabel")
        self.error_title.grid(row=0, column=0, sticky="w")
        self.error_label = ttk.Label(self.banner, text="", style="Banner.TLabel",
                                     justify="left", wraplength=px(900))
        self.error_label.grid(row=1, column=0, sticky="ew", pady=(px(4), 0))
        self.banner.grid(row=1, column=0, columnspan=2, sticky="ew", pady=(px(12), 0))
        self.banner.grid_remove()

        ttk.Label(outer, text=_("Today"), style="Section.TLabel").grid(
            row=2, column=0, sticky="w", pady=(px(14), px(6)))
        self.tiles = self._tiles(outer)
        self.tiles.grid(row=3, column=0, columnspan=2, sticky="ew", pady=(0, px(14)))

        left = ttk.Frame(outer)
        left.grid(row=4, column=0, sticky="nw")
        self.chart_label = ttk.Label(left)
        self.chart_label.grid(row=0, column=0, sticky="nw")
        self.comfort_label = ttk.Label(left)
        self.comfort_label.grid(row=1, column=0, sticky="nw", pady=(px(10), 0))
        self.comfort_label.grid_remove()

        self.list_frame = self._event_list(outer)
        self.list_frame.grid(row=4, column=1, sticky="nsew", padx=(px(20), 0))

        self.foot = footer = safety_foot(outer, self.look, wrap=900)
        footer.grid(row=5, column=0, columnspan=2, sticky="w", pady=(px(12), 0))

        root.bind("<Escape>", lambda _e: self.close())
        root.bind("<F5>", lambda _e: self.reload())
        root.bind("<Control-r>", lambda _e: self.reload())
        root.protocol("WM_DELETE_WINDOW", self.close)
        on_terminate(root, self.close)
        pin_label_colors(root)
        self._show_placeholder()
        self.reload()

    # ------------------------------------------------------------------ layout parts
    def _chart_sizes(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """Weekly and comfort chart sizes that fit the screen next to the event list."""
        s = self.look.scale
        want_w, want_h = 720 * s, (320 + 170) * s
        room_w = self.root.winfo_screenwidth() - 520 * s
        room_h = self.root.winfo_screenheight() - 300 * s
        shrink = max(0.6, min(1.0, room_w / want_w, room_h / want_h))
        self.chart_scale = s * max(0.85, shrink)
        return ((round(720 * s * shrink), round(320 * s * shrink)),
                (round(720 * s * shrink), round(170 * s * shrink)))

    def _tiles(self, parent: ttk.Frame) -> ttk.Frame:
        px = self.look.px
        frame = ttk.Frame(parent)
        self.tile_values: dict[str, ttk.Label] = {}
        chart_colors = charts.COLORS["dark" if self.look.dark else "light"]
        for i, (label, key, color) in enumerate(TILES):
            tile = ttk.Frame(frame, style="Card.TFrame", padding=(px(12), px(8)))
            tile.grid(row=0, column=i, sticky="nsew", padx=(0 if i == 0 else px(8), 0))
            frame.columnconfigure(i, weight=1, uniform="tiles")
            value = ttk.Label(tile, text="–", style="Subtitle.TLabel")
            value.grid(row=0, column=0, columnspan=2, sticky="w")
            swatch = tk.Canvas(tile, width=px(10), height=px(10), highlightthickness=0,
                               borderwidth=0, background=self.look.colors["bg"])
            if key == "longest_sitting_s":
                swatch.create_line(0, px(5), px(10), px(5), fill=chart_colors[color],
                                   width=max(2, px(2)))
            else:
                swatch.create_rectangle(0, 0, px(10), px(10), fill=chart_colors[color],
                                        outline="")
            swatch.grid(row=1, column=0, sticky="w", padx=(0, px(6)))
            ttk.Label(tile, text=_(label), style="Muted.TLabel", justify="left",
                      wraplength=px(150)).grid(row=1, column=1, sticky="w")
            self.tile_values[key] = value
        return frame

    def _event_list(self, parent: ttk.Frame) -> ttk.Frame:
        px = self.look.px
        frame = ttk.Frame(parent)
        frame.columnconfigure(0, weight=1)
        frame.rowconfigure(1, weight=1)
        ttk.Label(frame, text=_("Recent events"), style="Section.TLabel").grid(
            row=0, column=0, sticky="w", pady=(0, px(6)))
        style = ttk.Style(self.root)
        style.configure("History.Treeview", rowheight=px(26))
        self.tree = ttk.Treeview(frame, columns=("when", "what", "detail"), show="headings",
                                 style="History.Treeview", selectmode="browse", height=12)
        # Days and event names can be longer in other languages: those columns grow to fit.
        body_font = tkfont.nametofont("TkDefaultFont", root=self.root)
        noon = datetime(2024, 1, 1, 12, 0)
        whens = [_("{day} {time}").format(day=day_text(date(2024, month, 22 + i)),
                                          time=format_time(noon))
                 for month in range(1, 13) for i in range(7)]
        when_w = max(body_font.measure(t) for t in whens) + px(4)
        when_w = px(132) if when_w <= px(140) else when_w
        what_w = max(px(112), max(body_font.measure(t) for t in event_labels().values())
                     + px(12))
        # TRANSLATORS: the headings of the history's list of events.
        for col, text, width, stretch in (("when", pgettext("column", "When"), when_w, False),
                                          ("what", pgettext("column", "Event"), what_w, False),
                                          ("detail", pgettext("column", "Details"), px(170),
                                           True)):
            self.tree.heading(col, text=text, anchor="w")
            self.tree.column(col, width=width, minwidth=px(60), stretch=stretch, anchor="w")
        bar = ttk.Scrollbar(frame, orient="vertical", command=self.tree.yview)
        self.tree.configure(yscrollcommand=bar.set)
        self.tree.tag_configure("quiet", foreground=self.look.colors["muted"])
        self.tree.grid(row=1, column=0, sticky="nsew")
        bar.grid(row=1, column=1, sticky="ns")
        self.empty_list = ttk.Label(frame, text=_("Nothing recorded in these days yet."),
                                    style="Muted.TLabel")
        return frame

    # ------------------------------------------------------------------ loading
    def reload(self) -> None:
        """Read the database again in a worker thread (ignored while a read is running)."""
        if self._loading:
            return
        self._loading = True
        self.retry_button.state(["disabled"])
        self.subtitle.configure(text=_("Loading…"))
        now = datetime.now(UTC)
        chart_args = {"scale": self.chart_scale, "dark": self.look.dark,
                      "bg": self.look.colors["bg"]}
        tz, days, path = self.tz, self.days, self.path
        size, csize = self.chart_size, self.comfort_size

        def work() -> None:
            data = read_history(path, days, now, tz)
            today = now.astimezone(tz).date()
            try:
                if data.error is None:
                    title = _("Breaks per day") if days <= 14 else ngettext(
                        "Breaks, last {n} day", "Breaks, last {n} days", days).format(n=days)
                    data.chart = charts.weekly_chart(data.days, size, today=today, title=title,
                                                     **chart_args)
                    if data.comfort:
                        data.comfort_chart = charts.comfort_chart(
                            data.comfort, csize, days=days, now=now, tz=tz, **chart_args)
            except Exception as e:  # noqa: BLE001 - drawing must not take the window down
                # TRANSLATORS: {error} is the reason.
                data.error = _("Could not draw the charts: {error}").format(
                    error=f"{type(e).__name__}: {e}")
            self._queue.put(data)

        threading.Thread(target=work, name="history-read", daemon=True).start()
        self.root.after(40, self._poll)

    def _poll(self) -> None:
        try:
            data = self._queue.get_nowait()
        except queue.Empty:
            self.root.after(40, self._poll)
            return
        self._loading = False
        self.retry_button.state(["!disabled"])
        self._show(data)

    # ------------------------------------------------------------------ showing
    def _show_placeholder(self) -> None:
        w, h = self.chart_size
        img = Image.new("RGB", (w, h), self.look.colors["bg"])
        self._set_image(self.chart_label, img)

    def _set_image(self, label: ttk.Label, img: Image.Image) -> None:
        photo = ImageTk.PhotoImage(img, master=self.root)
        label.configure(image=photo)
        label.image = photo  # keep a reference, or Tk shows nothing
        self._photos = [p for p in self._photos if p is not photo][-4:] + [photo]

    def _show(self, data: HistoryData) -> None:
        self.data = data
        self.loads += 1
        now = datetime.now(self.tz)
        today = now.date()
        first = today - timedelta(days=self.days - 1)
        if self.days == 1:
            span = _("Today")
        else:
            # TRANSLATORS: the days the window shows: {first} is a day such as "Mon 1 Dec".
            span = ngettext("{first} – today ({n} day)", "{first} – today ({n} days)",
                            self.days).format(first=day_text(first), n=self.days)
        self.subtitle.configure(text=span)
        if data.error:
            self.error_label.configure(text=data.error)
            self.banner.grid()
            self.retry_button.configure(text=_("Retry"))
            self._show_placeholder()
            self.comfort_label.grid_remove()
            for value in self.tile_values.values():
                value.configure(text="–")
            self.tree.delete(*self.tree.get_children())
        else:
            self.banner.grid_remove()
            self.retry_button.configure(text=_("Refresh"))
            row = data.days[-1] if data.days else {}
            for _label, key, _c in TILES:
                v = row.get(key, 0) or 0
                text = sitting_text(v) if key == "longest_sitting_s" else str(v)
                self.tile_values[key].configure(text=text)
            if data.chart is not None:
                self._set_image(self.chart_label, data.chart)
            if data.comfort_chart is not None:
                self._set_image(self.comfort_label, data.comfort_chart)
                self.comfort_label.grid()
            else:
                self.comfort_label.grid_remove()
            self.tree.delete(*self.tree.get_children())
            for ev in data.events:
                tags = ("quiet",) if ev["type"] in QUIET else ()
                self.tree.insert("", "end", values=describe(ev, self.tz, today), tags=tags)
            if data.events:
                self.empty_list.place_forget()
            else:
                self.empty_list.place(in_=self.tree, relx=0.5, rely=0.4, anchor="center")
        self.root.after_idle(self._dump)

    # ------------------------------------------------------------------ closing, debug
    def close(self) -> None:
        self._dump(event="closed")
        try:
            self.root.destroy()
        except tk.TclError:
            pass

    def visible_state(self) -> dict:
        """What the window shows now, read back from the widgets (for tests)."""
        banner = self.banner.winfo_ismapped()
        return {
            "pid": os.getpid(),
            "title": self.root.title(),
            "loaded": self.data is not None,
            "loads": self.loads,
            "error": str(self.error_label.cget("text")) if banner else None,
            "tiles": {k: str(v.cget("text")) for k, v in self.tile_values.items()},
            "foot": str(self.foot.cget("text")) if self.foot.winfo_ismapped() else None,
            "rows": [list(self.tree.item(i, "values")) for i in self.tree.get_children()][:50],
            "row_count": len(self.tree.get_children()),
            "chart": geometry(self.chart_label),
            "retry": geometry(self.retry_button),
            "retry_text": str(self.retry_button.cget("text")),
            "missing": bool(self.data and self.data.missing),
            "comfort": geometry(self.comfort_label),
            "window": geometry(self.root),
        }

    def _dump(self, event: str = "shown") -> None:
        dump_visible_state(self.root, self.debug_file, self.visible_state, event)


def main(argv: list[str] | None = None) -> int:
    """Open the window; returns 0 when it closes, 1 without a display, 2 for bad arguments."""
    parser = argparse.ArgumentParser(prog="movebreak history window")
    parser.add_argument("--config", metavar="FILE", type=Path,
                        help="config file (its language setting is used)")
    parser.add_argument("--days", type=int, default=7, help="days to show (1-90, default 7)")
    args = parser.parse_args(argv)
    if not 1 <= args.days <= 90:
        parser.error(f"--days must be between 1 and 90 (got {args.days})")
    setup_language(args.config)  # before any text is built
    root = open_root()
    if root is None:
        print(_("movebreak history: run `movebreak history` for the same numbers as text"),
              file=sys.stderr)
        return 1
    HistoryWindow(root, args.days, debug_file=os.environ.get("MOVEBREAK_UI_DEBUG_FILE") or None)
    root.mainloop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
