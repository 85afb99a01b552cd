"""Config storage on real files: paths and env overrides, first run, broken files, atomic saves.

Comments in the config file are NOT preserved by `save_config` (tomllib/tomli_w keep no
comments); only the first-run default file carries them. Unknown keys are preserved.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path

import filelock
import platformdirs
import pytest

from movebreak.adapters import storage
from movebreak.adapters.storage import (
    ConfigError,
    config_dir,
    config_mtime_ns,
    config_path,
    data_dir,
    default_config_text,
    history_path,
    load_config,
    runtime_dir,
    save_config,
)
from movebreak.core.settings import default_settings, settings_from_dict

ENV = ("MOVEBREAK_CONFIG_DIR", "MOVEBREAK_DATA_DIR", "MOVEBREAK_RUNTIME_DIR")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def cfg(tmp_path) -> Path:
    return tmp_path / "conf" / "config.toml"


def backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(path.name + ".bad-*"))


def leftovers(folder: Path) -> list[str]:
    return [n for n in os.listdir(folder) if n.endswith(".tmp")]


# --------------------------------------------------------------------------- paths


def test_config_path_defaults_env_and_override(monkeypatch, tmp_path) -> None:
    assert config_dir() == platformdirs.user_config_path("movebreak")
    assert config_path() == platformdirs.user_config_path("movebreak") / "config.toml"
    monkeypatch.setenv("MOVEBREAK_CONFIG_DIR", str(tmp_path / "cfgdir"))
    assert config_dir() == tmp_path / "cfgdir"
    assert config_path() == tmp_path / "cfgdir" / "config.toml"
    assert config_path(tmp_path / "other.toml") == tmp_path / "other.toml"  # --config wins
    assert config_path(str(tmp_path / "x.toml")) == tmp_path / "x.toml"
    monkeypatch.setenv("MOVEBREAK_CONFIG_DIR", "")
    assert config_dir() == platformdirs.user_config_path("movebreak")


def test_data_dir_and_history_path(monkeypatch, tmp_path) -> None:
    assert data_dir() == platformdirs.user_data_path("movebreak")
    monkeypatch.setenv("MOVEBREAK_DATA_DIR", str(tmp_path / "data"))
    assert data_dir() == tmp_path / "data"
    assert not (tmp_path / "data").exists()
    assert data_dir(create=True).is_dir()
    assert history_path().parent == tmp_path / "data"
    assert history_path().name.endswith(".sqlite3")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_runtime_dir_env_is_created_private(monkeypatch, tmp_path) -> None:
    target = tmp_path / "rt" / "sub"
    monkeypatch.setenv("MOVEBREAK_RUNTIME_DIR", str(target))
    assert runtime_dir() == target
    assert target.is_dir() and mode(target) == 0o700
    target.chmod(0o755)  # an existing, too open folder is tightened
    assert runtime_dir() == target and mode(target) == 0o700


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="XDG runtime dir is Linux/BSD")
def test_runtime_dir_uses_xdg_runtime_dir(monkeypatch) -> None:
    # a short folder, as XDG_RUNTIME_DIR is (/run/user/UID): a long one falls back, see below
    short = Path(tempfile.mkdtemp(prefix="mb-", dir="/tmp"))
    try:
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(short))
        assert runtime_dir() == short / "movebreak"
        assert mode(short / "movebreak") == 0o700
    finally:
        shutil.rmtree(short, ignore_errors=True)


@pytest.mark.skipif(os.name != "posix", reason="uid-based fallback is POSIX")
def test_runtime_dir_falls_back_to_private_temp_folder(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    expected = tmp_path / f"movebreak-{os.getuid()}"
    assert runtime_dir() == expected and mode(expected) == 0o700
    # a too-long XDG path (no room for a socket name) also falls back
    deep = tmp_path / ("x" * 90)
    deep.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(deep))
    assert runtime_dir() == expected


@pytest.mark.skipif(os.name != "posix", reason="ownership checks are POSIX")
def test_runtime_dir_refuses_symlinks_and_foreign_folders(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    planted = tmp_path / f"movebreak-{os.getuid()}"
    (tmp_path / "attacker").mkdir()
    planted.symlink_to(tmp_path / "attacker")
    with pytest.raises(PermissionError, match="link"):
        runtime_dir()
    if os.geteuid() == 0:  # only root can hand a folder to another user
        planted.unlink()
        planted.mkdir(mode=0o700)
        os.chown(planted, 54321, 54321)
        with pytest.raises(PermissionError, match="another user"):
            runtime_dir()


def test_config_mtime_ns(cfg) -> None:
    assert config_mtime_ns(cfg) is None
    save_config(cfg, default_settings())
    first = config_mtime_ns(cfg)
    assert first == os.stat(cfg).st_mtime_ns
    os.utime(cfg, ns=(first - 10**9, first - 10**9))
    save_config(cfg, default_settings().with_changes(sound=True))
    assert config_mtime_ns(cfg) != first - 10**9


# --------------------------------------------------------------------------- first run


def test_first_run_writes_commented_default_file(cfg) -> None:
    result = load_config(cfg)
    assert result.created is True
    assert result.problems == [] and result.backup is None
    assert result.settings == default_settings()
    text = cfg.read_text("utf-8")
    assert text == default_config_text()
    assert text.count("\n#") >= 5 and '# working_hours = "09:00-17:30"' in text
    assert "[reminders.nerve_glide]" in text
    assert '[routine]\n# Seconds per hold: "30s", "45s" or "60s"' in text
    settings, problems = settings_from_dict(tomllib.loads(text))
    assert settings == default_settings() and problems == []
    assert result.mtime_ns == cfg.stat().st_mtime_ns

    again = load_config(cfg)
    assert again.created is False and again.problems == []
    assert cfg.read_text("utf-8") == text


def test_env_dir_is_used_for_first_run(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("MOVEBREAK_CONFIG_DIR", str(tmp_path / "envcfg"))
    result = load_config()
    assert result.created and result.path == tmp_path / "envcfg" / "config.toml"
    assert result.path.is_file()


def test_default_file_cannot_be_written_is_a_warning(tmp_path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("I am a file")
    result = load_config(blocker / "config.toml")
    assert result.created is False
    assert result.settings == default_settings()
    assert [p.severity for p in result.problems] == ["warning"]
    assert "is a file, not a folder" in result.problems[0].message
    assert blocker.read_text() == "I am a file"


# --------------------------------------------------------------------------- broken files


BROKEN = b'[general]\nsnooze = "5m"\nsound = tru\n'
NOW = dt.datetime(2024, 5, 6, 7, 8, 9)


def test_broken_toml_is_backed_up_and_left_untouched(cfg) -> None:
    cfg.parent.mkdir(parents=True)
    cfg.write_bytes(BROKEN)
    before = cfg.stat()
    fallback = default_settings().with_changes(snooze_s=1200)
    result = load_config(cfg, fallback, now=NOW)

    assert result.settings == fallback  # last good settings, not the half-read file
    [problem] = result.problems
    assert problem.severity == "error"
    assert (problem.line, problem.column) == (3, 9)
    assert str(cfg) in problem.message and "line 3, column 9" in problem.message
    assert "last good settings" in problem.message
    assert result.backup == cfg.with_name("config.toml.bad-20240506-070809")
    assert str(result.backup) in problem.message
    assert result.backup.read_bytes() == BROKEN
    assert cfg.read_bytes() == BROKEN
    assert cfg.stat().st_mtime_ns == before.st_mtime_ns and cfg.stat().st_ino == before.st_ino

    # no fallback -> defaults
    assert load_config(cfg).settings == default_settings()


def test_no_duplicate_backup_but_new_content_gets_one(cfg) -> None:
    cfg.parent.mkdir(parents=True)
    cfg.write_bytes(BROKEN)
    first = load_config(cfg, now=NOW).backup
    second = load_config(cfg, now=NOW + dt.timedelta(hours=1)).backup
    assert first == second and backups(cfg) == [first]

    cfg.write_bytes(BROKEN + b"oops = \n")
    third = load_config(cfg, now=NOW).backup  # same second, different content
    assert third == cfg.with_name("config.toml.bad-20240506-070809-1")
    assert third.read_bytes() == BROKEN + b"oops = \n"
    assert len(backups(cfg)) == 2


def test_concurrent_loads_of_a_broken_file_make_one_copy(cfg) -> None:
    cfg.parent.mkdir(parents=True)
    cfg.write_bytes(BROKEN)
    found: list[Path | None] = []
    threads = [threading.Thread(target=lambda i=i: found.append(
        load_config(cfg, now=NOW + dt.timedelta(seconds=i)).backup)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(backups(cfg)) == 1 and set(found) == set(backups(cfg))


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"\x00\x01\x02binary\xff" * 1000, "binary"),
        (b'[general]\nsound = "caf\xe9"\n', "not UTF-8"),
    ],
)
def test_binary_and_non_utf8_files_are_rejected_quickly(cfg, content, fragment) -> None:
    cfg.parent.mkdir(parents=True)
    cfg.write_bytes(content)
    start = time.perf_counter()
    result = load_config(cfg)
    assert time.perf_counter() - start < 0.5
    assert result.settings == default_settings()
    assert [p.severity for p in result.problems] == ["error"]
    assert fragment in result.problems[0].message
    assert cfg.read_bytes() == content
    assert result.backup is not None and result.backup.read_bytes() == content


def test_non_utf8_reports_line_and_column(cfg) -> None:
    cfg.parent.mkdir(parents=True)
    cfg.write_bytes(b'[general]\nsound = "caf\xe9"\n')
    problem = load_config(cfg).problems[0]
    assert (problem.line, problem.column) == (2, 13)


def test_ten_megabyte_file_is_rejected_quickly(cfg) -> None:
    cfg.parent.mkdir(parents=True)
    big = b"# padding\n" * (1024 * 1024)  # 10 MiB of valid TOML comments
    cfg.write_bytes(big)
    start = time.perf_counter()
    result = load_config(cfg)
    elapsed = time.perf_counter() - start
    assert elapsed < 0.5
    assert result.settings == default_settings()
    message = result.problems[0].message
    assert "10.0 MiB" in message and "at most 1.0 MiB" in message
    assert cfg.stat().st_size == len(big)
    assert result.backup is not None and result.backup.stat().st_size == len(big)


def test_utf8_bom_is_accepted(cfg) -> None:
    cfg.parent.mkdir(parents=True)
    cfg.write_bytes(b'\xef\xbb\xbf[general]\nsnooze = "7m"\n')
    result = load_config(cfg)
    assert result.problems == [] and result.settings.snooze_s == 420


def test_directory_in_place_of_the_file(cfg) -> None:
    cfg.mkdir(parents=True)
    result = load_config(cfg)
    assert result.settings == default_settings() and result.backup is None
    assert "not a regular file" in result.problems[0].message
    with pytest.raises(ConfigError, match="not a regular file"):
        save_config(cfg, default_settings())


def test_invalid_values_backup_and_keep_good_values(cfg) -> None:
    cfg.parent.mkdir(parents=True)
    content = (b'[general]\nsnooze = "5m"\nsound = "yes"\n'
               b'[reminders.move]\ninterval = "5 parsecs"\nenabled = false\n')
    cfg.write_bytes(content)
    fallback = default_settings().with_kind("move", interval_s=900)
    result = load_config(cfg, fallback, now=NOW)
    assert result.settings.snooze_s == 300  # good value used
    assert result.settings.reminders["move"].enabled is False
    assert result.settings.interval("move") == 900  # bad value: fallback kept
    assert result.settings.sound == "off"
    assert {p.key for p in result.errors} == {"general.sound", "reminders.move.interval"}
    assert result.backup is not None and result.backup.read_bytes() == content
    assert cfg.read_bytes() == content


def test_pure_read_writes_nothing(cfg) -> None:
    result = load_config(cfg, write_default=False)
    assert result.settings == default_settings() and not result.created
    assert not cfg.parent.exists()
    cfg.parent.mkdir()
    cfg.write_bytes(BROKEN)
    result = load_config(cfg, write_default=False, backup=False)
    assert result.backup is None and backups(cfg) == []
    assert "no copy was made" in result.problems[0].message
    cfg.write_text('[general]\nsound = "yes"\n')
    result = load_config(cfg, backup=False)
    assert result.errors and result.backup is None and backups(cfg) == []
    assert sorted(os.listdir(cfg.parent)) == ["config.toml"]


def test_unknown_keys_only_warn_without_backup(cfg) -> None:
    cfg.parent.mkdir(parents=True)
    cfg.write_text('[general]\nsnooze = "5m"\ncolour = "red"\n')
    result = load_config(cfg)
    assert [p.severity for p in result.problems] == ["warning"]
    assert result.backup is None and backups(cfg) == []
    assert result.extra == {"general": {"colour": "red"}}


# --------------------------------------------------------------------------- save


CUSTOM = """\
# my own comment
schema_version = 1
theme = "dark"

[general]
snooze = "5m"
volume = 7

[reminders.move]
interval = "25m"
colour = "red"

[reminders.hydrate]
enabled = true
"""


def test_save_preserves_unknown_keys_but_not_comments(cfg) -> None:
    cfg.parent.mkdir(parents=True)
    cfg.write_text(CUSTOM)
    cfg.chmod(0o640)
    loaded = load_config(cfg)
    changed = loaded.settings.with_changes(sound=True).with_kind("move", interval_s=600)

    save_config(cfg, changed, loaded.extra)
    data = tomllib.loads(cfg.read_text())
    assert data["theme"] == "dark"
    assert data["general"]["volume"] == 7 and data["general"]["sound"] == "theme"
    assert data["reminders"]["move"] == {"enabled": True, "interval": "10m", "colour": "red"}
    assert data["reminders"]["hydrate"] == {"enabled": True}
    assert "my own comment" not in cfg.read_text()  # comments do not survive a save
    assert mode(cfg) == 0o640  # permissions kept
    assert leftovers(cfg.parent) == []
    assert load_config(cfg).settings == changed

    save_config(cfg, changed)  # extra=None: unknown keys are taken from the file on disk
    assert tomllib.loads(cfg.read_text())["general"]["volume"] == 7
    save_config(cfg, changed, {})  # {}: drop them
    data = tomllib.loads(cfg.read_text())
    assert "theme" not in data and "volume" not in data["general"]


def test_save_creates_folder_and_file(tmp_path) -> None:
    target = tmp_path / "a" / "b" / "config.toml"
    assert save_config(target, default_settings()) == target
    assert load_config(target).settings == default_settings()
    assert mode(target) == 0o600


def test_save_over_broken_file_keeps_a_copy_first(cfg) -> None:
    cfg.parent.mkdir(parents=True)
    cfg.write_bytes(BROKEN)
    save_config(cfg, default_settings().with_changes(sound=True))
    [copy] = backups(cfg)
    assert copy.read_bytes() == BROKEN
    assert load_config(cfg).settings.sound == "theme"


def test_save_refuses_when_file_changed_since_read(cfg) -> None:
    loaded = load_config(cfg)  # creates the default file
    cfg.write_text('[general]\nsnooze = "9m"\n')
    os.utime(cfg, ns=(loaded.mtime_ns + 5 * 10**9,) * 2)
    with pytest.raises(ConfigError, match="changed by someone else"):
        save_config(cfg, default_settings(), expected_mtime_ns=loaded.mtime_ns)
    assert cfg.read_text() == '[general]\nsnooze = "9m"\n'
    save_config(cfg, default_settings(), expected_mtime_ns=config_mtime_ns(cfg))
    assert load_config(cfg).settings == default_settings()


def test_save_fails_cleanly_when_parent_is_a_file(tmp_path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("keep me")
    with pytest.raises(ConfigError, match="is a file, not a folder") as info:
        save_config(blocker / "config.toml", default_settings())
    assert "unchanged" in str(info.value)
    with pytest.raises(ConfigError, match="a file is in the way"):
        save_config(blocker / "sub" / "config.toml", default_settings())
    assert blocker.read_text() == "keep me"


def test_save_fails_cleanly_when_the_lock_is_held(cfg, monkeypatch) -> None:
    save_config(cfg, default_settings())
    before = cfg.read_bytes()
    monkeypatch.setattr(storage, "LOCK_TIMEOUT_S", 0.2)
    holder = filelock.FileLock(str(cfg) + ".lock")
    done = threading.Event()
    ready = threading.Event()

    def hold() -> None:
        with holder:
            ready.set()
            done.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    try:
        ready.wait(5)
        with pytest.raises(ConfigError, match="another process"):
            save_config(cfg, default_settings().with_changes(sound=True))
    finally:
        done.set()
        t.join()
    assert cfg.read_bytes() == before
    assert leftovers(cfg.parent) == []


def run_in_child(fn) -> str:
    """Run `fn` in a forked child (to drop privileges or set limits) and return its text."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        try:
            os.close(r)
            try:
                msg = fn()
            except BaseException as exc:  # report anything, the parent asserts
                msg = f"child raised {exc!r}"
            os.write(w, msg.encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r) as fh:
        out = fh.read()
    os.waitpid(pid, 0)
    return out


def _try_save(path: Path) -> str:
    try:
        save_config(path, default_settings().with_changes(sound=True))
    except ConfigError as exc:
        return f"ConfigError: {exc}"
    return "saved"


@pytest.mark.skipif(os.name != "posix", reason="uses fork/permissions")
def test_save_fails_cleanly_in_a_read_only_folder() -> None:
    # Root ignores directory permissions, so as root the save runs in a forked child that
    # drops to uid/gid 65534 ("nobody") on a real folder with mode 0755 owned by root.
    folder = Path(tempfile.mkdtemp(prefix="movebreak-ro-", dir="/tmp"))
    try:
        path = folder / "config.toml"
        path.write_text('schema_version = 1\n[general]\nsnooze = "5m"\n')
        before = path.read_bytes()
        if os.geteuid() == 0:
            folder.chmod(0o755)
            path.chmod(0o644)

            def as_nobody() -> str:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
                return _try_save(path)

            outcome = run_in_child(as_nobody)
        else:
            folder.chmod(0o555)
            outcome = _try_save(path)
            folder.chmod(0o755)
        assert outcome.startswith("ConfigError:"), outcome
        assert "read-only" in outcome and "unchanged" in outcome
        assert path.read_bytes() == before
        assert sorted(os.listdir(folder)) == ["config.toml"]
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE on Linux")
def test_save_fails_cleanly_when_the_disk_is_full(cfg) -> None:
    # A file size limit makes the kernel refuse the write (EFBIG) like a full disk (ENOSPC):
    # a real failed write, not a mock.
    import resource

    save_config(cfg, default_settings())
    before = cfg.read_bytes()

    def limited() -> str:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))
        return _try_save(cfg)

    outcome = run_in_child(limited)
    assert outcome.startswith("ConfigError:"), outcome
    assert "unchanged" in outcome
    assert cfg.read_bytes() == before
    assert leftovers(cfg.parent) == []


def test_concurrent_saves_never_expose_a_partial_file(cfg) -> None:
    variants = [default_settings().with_kind("move", interval_s=60 * (i + 1)) for i in range(4)]
    save_config(cfg, variants[0])
    errors: list[str] = []
    stop = threading.Event()

    def writer(i: int) -> None:
        for n in range(15):
            save_config(cfg, variants[(i + n) % 4])

    def reader() -> None:
        while not stop.is_set():
            result = load_config(cfg)
            if result.problems or result.settings not in variants:
                errors.append(repr(result.problems))

    readers = [threading.Thread(target=reader) for _ in range(2)]
    writers = [threading.Thread(target=writer, args=(i,)) for i in range(3)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    assert errors == []
    assert backups(cfg) == [] and leftovers(cfg.parent) == []


# --------------------------------------------------------------------------- state file


def test_safety_acknowledgement_is_stored_beside_the_config(cfg) -> None:
    assert storage.safety_acknowledged(cfg) is None
    when = dt.datetime(2026, 12, 1, 9, 30, 5, 123456, tzinfo=dt.UTC)
    path = storage.acknowledge_safety(cfg, now=when)
    assert path == cfg.parent / "state.toml" == storage.state_path(cfg)
    assert storage.safety_acknowledged(cfg) == when.replace(microsecond=0)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = tomllib.loads(path.read_text("utf-8"))
    assert data == {"safety": {"acknowledged": when.replace(microsecond=0), "version": 2}}
    assert leftovers(cfg.parent) == []
    assert not cfg.exists()  # the settings file is not touched


def test_acknowledgement_survives_a_history_reset(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("MOVEBREAK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("MOVEBREAK_DATA_DIR", str(tmp_path / "data"))
    storage.acknowledge_safety()
    from movebreak.adapters.history import History
    with History(history_path()) as hist:
        hist.record("shown", "move")
    shutil.rmtree(data_dir())  # the history reset
    assert storage.safety_acknowledged() is not None
    assert storage.state_path() == tmp_path / "config" / "state.toml"


def test_older_notice_version_or_broken_state_counts_as_not_acknowledged(cfg) -> None:
    storage.acknowledge_safety(cfg, version=1)
    assert storage.safety_acknowledged(cfg) is None  # the notice changed since
    assert storage.safety_acknowledged(cfg, version=1) is not None
    state = storage.state_path(cfg)
    for broken in (b"[safety\n", b"\xff\xfe", b"safety = 1\n",
                   b'[safety]\nacknowledged = "yesterday"\nversion = 2\n',
                   b"[safety]\nacknowledged = 2026-12-01T09:00:00Z\nversion = true\n",
                   b"x = '" + b"a" * (70 * 1024) + b"'\n"):
        state.write_bytes(broken)
        assert storage.safety_acknowledged(cfg) is None, broken
    storage.acknowledge_safety(cfg)  # a broken file is replaced
    assert storage.safety_acknowledged(cfg) is not None


def test_acknowledging_keeps_other_state_keys(cfg) -> None:
    cfg.parent.mkdir(parents=True)
    storage.state_path(cfg).write_text('[window]\nx = 3\n')
    storage.acknowledge_safety(cfg)
    assert storage.load_state(cfg)["window"] == {"x": 3}
    assert storage.safety_acknowledged(cfg) is not None


def test_acknowledging_fails_cleanly_when_the_folder_is_a_file(tmp_path) -> None:
    (tmp_path / "conf").write_text("not a folder")
    with pytest.raises(ConfigError):
        storage.acknowledge_safety(tmp_path / "conf" / "config.toml")
    assert storage.safety_acknowledged(tmp_path / "conf" / "config.toml") is None


# --------------------------------------------------------------------------- saved timers
def test_timers_are_saved_atomically_in_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("MOVEBREAK_DATA_DIR", str(tmp_path / "data"))
    assert storage.load_timers() is None  # nothing saved yet: not a problem
    data = {"version": 1, "saved_at": "2026-12-01T09:00:00+00:00", "kinds": {}}
    path = storage.save_timers(data)
    assert path == tmp_path / "data" / "timers.json" == storage.timers_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert storage.load_timers() == data
    assert sorted(p.name for p in path.parent.iterdir()) == ["timers.json"]  # no temp left


@pytest.mark.parametrize("raw,why", [
    (b"{not json", "is not JSON"),
    (b"\xff\xfe\x00", "is not JSON"),
    (b"[1, 2]", "is not a JSON object"),
    (b" " * (storage.MAX_TIMERS_BYTES + 1), "larger than"),
])
def test_unreadable_timers_are_a_problem_with_a_reason(tmp_path, raw, why):
    path = tmp_path / "timers.json"
    path.write_bytes(raw)
    with pytest.raises(storage.StateFileError, match=why):
        storage.load_timers(path)
    assert path.read_bytes() == raw  # left alone
