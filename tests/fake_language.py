"""A fake catalog for tests: every lookup comes back as «message» (plural forms chosen as
English does), so a text that escaped gettext shows up unwrapped. No .po files needed; the
`fake_language` fixture (conftest.py) installs it for one test."""

from __future__ import annotations

import gettext


class Wrapped(gettext.NullTranslations):
    def gettext(self, message):
        return f"«{message}»"

    def ngettext(self, singular, plural, n):
        return self.gettext(singular if n == 1 else plural)

    def pgettext(self, context, message):
        return self.gettext(message)

    def npgettext(self, context, singular, plural, n):
        return self.ngettext(singular, plural, n)
