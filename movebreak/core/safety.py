"""The safety notice and the one pain rule, in our own words from the seed. Pure text.

Every window, notification and the README use these texts; nothing else words them.
`docs/CONTENT.md` ties each sentence to the source phrase it paraphrases. Bump
`NOTICE_VERSION` when the advice changes in substance: an acknowledgement of an older
version no longer counts, so the Safety window opens again at the next start.

The constants are the English source texts (built at import, before the language is known);
whatever is shown to the user comes from the functions (`title()`, `pain_rule()`, `urgent()`,
`discuss()`, `before()`, `paragraphs()`, `body()`, `short()`, `foot()`, `ack_hint()`), which
translate them into the installed language when called.
"""

from .l10n import N_, _

__all__ = [
    "ACK_COMMAND", "ACK_HINT", "BEFORE", "BODY", "DISCUSS", "FOOT", "NOTICE_VERSION",
    "PAIN_RULE", "PARAGRAPHS", "SHORT", "TITLE", "URGENT", "ack_hint", "before", "body",
    "discuss", "foot", "pain_rule", "paragraphs", "short", "title", "urgent",
]

# TRANSLATORS: window title of the safety notice; "movebreak" is the app's name (keep it).
TITLE = N_("movebreak: safety first")

#: Stored with the acknowledgement (adapters/storage.py); see the module text.
NOTICE_VERSION = 2

#: How far to go in a stretch, glide or movement: the only wording of this rule in the app.
# TRANSLATORS: medical safety text: keep the meaning exactly (a stretch may be felt, but the
# user must never push into pain). It is shown after every stretch and glide reminder.
PAIN_RULE = N_("Feel a stretch, never push into pain.")

# TRANSLATORS: medical safety text, the red flags: keep the meaning exactly. Numbness in
# the saddle area (the body between the pubic bone and the tailbone) or a sudden loss of
# bowel or bladder control means: contact a healthcare provider immediately.
URGENT = N_(
    "Contact a healthcare provider straight away if you notice numbness in the saddle area "
    "(from the pubic bone back to the tailbone) or suddenly lose control of your bowel or "
    "bladder."
)

# TRANSLATORS: medical safety text: keep the meaning exactly (worsening or spreading leg
# pain, or leg pain with numbness or weakness, needs a provider; untreated sciatica can
# lead to lasting problems).
DISCUSS = N_(
    "Talk to your provider about leg pain that spreads and gets worse, or comes with numbness "
    "or weakness, and about leg pain in general. Symptoms that persist or get worse need "
    "care: left untreated, sciatica can lead to lasting problems."
)

# TRANSLATORS: medical safety text: keep the meaning exactly (ask a provider before
# starting; a pelvic physical therapist = a physiotherapist specialised in the pelvic
# floor).
BEFORE = N_(
    "Check with your provider before you start these exercises. A pelvic physical therapist "
    "can help with hands-on treatment and a plan that fits you."
)

#: Paragraphs as the Safety window shows them; the first goes in the red banner.
PARAGRAPHS: tuple[str, ...] = (URGENT, DISCUSS, BEFORE, PAIN_RULE)

BODY = "\n\n".join(PARAGRAPHS)

#: The line at the foot of every window: both red flags and the worsening-pain advice.
# TRANSLATORS: medical safety text, the short form of the red flags shown at the foot of
# every window: keep the meaning exactly (saddle numbness or a sudden loss of bowel or
# bladder control: contact a provider immediately; worsening leg pain, or leg pain with
# numbness or weakness: talk to a provider). Keep it short.
SHORT = N_(
    "Saddle numbness or suddenly losing bowel or bladder control: contact a provider now. "
    "Leg pain that worsens or comes with numbness or weakness: talk to your provider."
)

#: Foot line text, with the pain rule (ui/common.py draws it in every window).
FOOT = f"{SHORT} {PAIN_RULE}"

#: The command that records the acknowledgement (a command line: never translated).
ACK_COMMAND = "movebreak safety --ack"

# TRANSLATORS: {command} is a terminal command ("movebreak safety --ack").
_ACK_HINT = N_("When you have read this, record it with: {command}")

#: What the terminal says when there is no window to acknowledge in.
ACK_HINT = _ACK_HINT.format(command=ACK_COMMAND)


def title() -> str:
    """The notice's title in the installed language."""
    return _(TITLE)


def pain_rule() -> str:
    """The pain rule in the installed language."""
    return _(PAIN_RULE)


def urgent() -> str:
    """The red flags (the Safety window's banner) in the installed language."""
    return _(URGENT)


def discuss() -> str:
    """When to talk to a provider, in the installed language."""
    return _(DISCUSS)


def before() -> str:
    """Check with a provider first, in the installed language."""
    return _(BEFORE)


def paragraphs() -> tuple[str, ...]:
    """The notice's paragraphs (as `PARAGRAPHS`) in the installed language."""
    return tuple(_(p) for p in PARAGRAPHS)


def body() -> str:
    """The whole notice (as `BODY`) in the installed language."""
    return "\n\n".join(paragraphs())


def short() -> str:
    """The short red-flag line (as `SHORT`) in the installed language."""
    return _(SHORT)


def foot() -> str:
    """The foot line with the pain rule (as `FOOT`) in the installed language."""
    return f"{short()} {pain_rule()}"


def ack_hint() -> str:
    """How to acknowledge on the terminal (as `ACK_HINT`) in the installed language."""
    return _(_ACK_HINT).format(command=ACK_COMMAND)
