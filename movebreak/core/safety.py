"""The safety notice and the one pain rule, in our own words from the seed. Pure text.

Every window, notification and the README use these constants; nothing else words them.
`docs/CONTENT.md` ties each sentence to the source phrase it paraphrases. Bump
`NOTICE_VERSION` when the advice changes in substance: an acknowledgement of an older
version no longer counts, so the Safety window opens again at the next start.
"""

TITLE = "movebreak: safety first"

#: Stored with the acknowledgement (adapters/storage.py); see the module text.
NOTICE_VERSION = 2

#: How far to go in a stretch, glide or movement: the only wording of this rule in the app.
PAIN_RULE = "Feel a stretch, never push into pain."

URGENT = (
    "Contact a healthcare provider straight away if you notice numbness in the saddle area "
    "(from the pubic bone back to the tailbone) or suddenly lose control of your bowel or "
    "bladder."
)

DISCUSS = (
    "Talk to your provider about leg pain that spreads and gets worse, or comes with numbness "
    "or weakness, and about leg pain in general. Symptoms that persist or get worse need "
    "care: left untreated, sciatica can lead to lasting problems."
)

BEFORE = (
    "Check with your provider before you start these exercises. A pelvic physical therapist "
    "can help with hands-on treatment and a plan that fits you."
)

#: Paragraphs as the Safety window shows them; the first goes in the red banner.
PARAGRAPHS: tuple[str, ...] = (URGENT, DISCUSS, BEFORE, PAIN_RULE)

BODY = "\n\n".join(PARAGRAPHS)

#: The line at the foot of every window: both red flags and the worsening-pain advice.
SHORT = (
    "Saddle numbness or suddenly losing bowel or bladder control: contact a provider now. "
    "Leg pain that worsens or comes with numbness or weakness: talk to your provider."
)

#: Foot line text, with the pain rule (ui/common.py draws it in every window).
FOOT = f"{SHORT} {PAIN_RULE}"

#: What the terminal says when there is no window to acknowledge in.
ACK_HINT = "When you have read this, record it with: movebreak safety --ack"
