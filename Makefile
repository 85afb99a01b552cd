# movebreak: `make run` and `make test` are the whole quick start on Debian/Ubuntu.
# Both create .venv and install what they need; as root they also install the apt packages
# (otherwise they print the apt-get line to run with sudo).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# Desktop pieces the real-desktop tests drive (see shared DESKTOP-TESTING facts in README).
APT_TEST := xvfb dbus dbus-x11 dunst libnotify-bin xdotool imagemagick trayer x11-utils \
            fonts-dejavu-core systemd faketime desktop-file-utils openbox wmctrl \
            xfce4-panel xfce4-notifyd xfconf \
            gnome-shell gnome-shell-extension-appindicator gjs dconf-service libglib2.0-bin \
            pulseaudio pulseaudio-utils sox libcanberra-pulse sway foot \
            mako-notifier jq grim
# What the tray (pystray gtk backend via PyGObject), the Tk windows and the reminder sound
# (GSound through PyGObject, the freedesktop sound theme) need.
APT_RUN  := python3-venv python3-dev python3-tk pkg-config libgirepository1.0-dev \
            libcairo2-dev gir1.2-gtk-3.0 gir1.2-ayatanaappindicator3-0.1 libnotify-bin \
            gir1.2-gsound-1.0 sound-theme-freedesktop
APT_BENCH := safeeyes workrave
# dmenu draws dunst's action list in the notification screenshot.
APT_SHOTS := suckless-tools x11-xserver-utils

.PHONY: run test bench lint screenshots clean apt-run apt-test apt-bench apt-shots venv \
        i18n i18n-extract i18n-update i18n-compile new-language

run: apt-run $(STAMP)
	$(PY) -m movebreak run

# Three workers on two cores (most desktop tests wait on real programs); a test file stays on
# one worker, so a desktop that a module starts once (GNOME Shell, Xfce) is started once. A
# failed test runs again (up to twice) before it counts: on a busy machine a real window can
# miss its focus or a deadline; pytest lists every rerun in its summary.
# compileall first: the tests start hundreds of `python -m movebreak` processes, which would
# each compile the package again where PYTHONDONTWRITEBYTECODE is set. Likewise pytest's
# assertion rewriting of the test files (about 3 s of CPU per worker): pytest may keep what it
# rewrote (`env -u PYTHONDONTWRITEBYTECODE`), and one collection writes it before the workers
# start, so the three of them load it instead of each rewriting every test file again.
PYTEST := env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest -p no:cacheprovider
test: apt-run apt-test $(STAMP)
	$(PY) -m compileall -q movebreak
	$(PYTEST) --collect-only -q >/dev/null
	$(PYTEST) -n 3 --dist loadfile --no-loadscope-reorder --reruns 2 -r fER

bench: apt-run apt-test apt-bench $(STAMP)
	$(PY) scripts/bench.py

screenshots: apt-run apt-test apt-shots $(STAMP)
	$(PY) scripts/screenshots.py
	$(PY) scripts/screenshot_settings.py
	$(PY) scripts/screenshot_settings.py --lang es --out docs/screenshots/settings-es.png
	$(PY) scripts/screenshot_windows.py
	$(PY) scripts/screenshot_desktops.py

# Translations (README: "Adding a language"). Catalogs live in movebreak/locale: the template
# movebreak.pot, and <lang>/LC_MESSAGES/movebreak.po (edited by translators) and .mo (compiled,
# committed and shipped in the wheel). `make i18n` = extract + update + compile.
LOCALES  := movebreak/locale
PYBABEL  := $(VENV)/bin/pybabel
i18n: i18n-extract i18n-update i18n-compile

i18n-extract: $(STAMP)
	$(PYBABEL) -q extract -F babel.cfg --sort-by-file --no-wrap --add-comments=TRANSLATORS: \
	  --project=movebreak --copyright-holder="movebreak developers" \
	  -o $(LOCALES)/movebreak.pot movebreak

i18n-update: $(STAMP)
	$(PYBABEL) -q update --no-wrap --ignore-obsolete -i $(LOCALES)/movebreak.pot -d $(LOCALES) -D movebreak

# Compiling also checks the catalogs (every string translated, placeholders and plural forms
# intact, doses unchanged: tests/test_i18n.py), so a broken catalog fails the build too.
i18n-compile: $(STAMP)
	$(PYBABEL) compile -d $(LOCALES) -D movebreak --statistics
	$(PY) -m pytest -q -p no:cacheprovider tests/test_i18n.py

# make new-language CODE=fr
new-language: $(STAMP)
	$(PYBABEL) init -i $(LOCALES)/movebreak.pot -d $(LOCALES) -D movebreak -l $(CODE)

lint: $(STAMP)
	$(PY) -m ruff check movebreak tests scripts

venv: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	@# PyGObject gives pystray its menu-capable gtk backend; without the build deps we
	@# still install everything else and pystray falls back to its xorg backend.
	$(PY) -m pip install -q -e '.[gtk,test]' || { \
	  echo "movebreak: PyGObject could not be built (apt packages missing?); installing without the gtk tray backend"; \
	  $(PY) -m pip install -q -e '.[test]'; }
	$(PY) -m pip install -q ruff
	@touch $(STAMP)

define apt_install
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "movebreak: installing apt packages:" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "movebreak: please install: sudo apt-get install $$missing"; \
	    $(2) \
	  fi; \
	fi
endef

apt-run:
	$(call apt_install,$(APT_RUN),true;)

apt-test:
	$(call apt_install,$(APT_TEST),exit 1;)

apt-bench:
	$(call apt_install,$(APT_BENCH),exit 1;)

apt-shots:
	$(call apt_install,$(APT_SHOTS),exit 1;)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis
