"""The safety notice (red flags), in our own words from the seed. Pure text."""

TITLE = "movebreak: safety first"

URGENT = (
    "Contact a healthcare provider straight away if you notice numbness in the saddle area "
    "(from the pubic bone back to the tailbone) or suddenly lose control of your bowel or "
    "bladder."
)

DISCUSS = (
    "Talk to your provider if pain that spreads down the leg gets worse, or comes with "
    "numbness or weakness, or if your legs ache in general."
)

STRETCH_RULE = (
    "Stretches should feel neutral or good. Feeling a stretch is fine; pain is not: "
    "stay sore but safe and never push into pain."
)

SHORT = "Saddle numbness or sudden bowel/bladder loss: contact a provider now."

BODY = f"{URGENT}\n\n{DISCUSS}\n\n{STRETCH_RULE}"
