"""Personal discount codes and tracking-link slugs.

Codes are a vanity part from the creator's handle plus the discount (``ANNA15``); when that is
taken, a short random part is added. Random parts never use look-alike characters (0/O,
1/I/L, 5/S, 2/Z, 8/B), and no code contains a word from the blocklist. The database's unique
key decides whether a candidate is free: callers try candidates in order until an insert wins.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterator

CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
SLUG_ALPHABET = "34679acdefghjkmnpqrtuvwxy"
SLUG_LENGTH = 7
MAX_VANITY = 12
_NOT_CODE = re.compile(r"[^A-Z0-9]")

# Words no code may contain (English and Dutch), checked after look-alike folding so
# "5H1T" is caught as well as "SHIT".
BLOCKLIST = frozenset(
    {
        "ANAL",
        "ANUS",
        "ARSE",
        "ASS",
        "BITCH",
        "BOOB",
        "CLIT",
        "COCK",
        "CUM",
        "CUNT",
        "DICK",
        "DILDO",
        "FAG",
        "FUCK",
        "HOER",
        "JIZZ",
        "KANKER",
        "KUT",
        "KKK",
        "LUL",
        "NAZI",
        "NEGER",
        "NIGGA",
        "NIGGER",
        "PENIS",
        "PIK",
        "PISS",
        "PORN",
        "PUSSY",
        "RAPE",
        "SEX",
        "SHIT",
        "SLET",
        "SLUT",
        "TIT",
        "TIETEN",
        "TWAT",
        "WANK",
        "WHORE",
        "HITLER",
        "HEIL",
        "TERING",
        "TYFUS",
        "FAGGOT",
        "RETARD",
        "SPERM",
        "VAGINA",
        "XXX",
    }
)
_FOLD = str.maketrans(
    {"0": "O", "1": "I", "3": "E", "4": "A", "5": "S", "7": "T", "8": "B", "9": "G"}
)


def normalise_code(text: str) -> str:
    """Upper case, only A–Z and 0–9 (how codes are compared)."""
    return _NOT_CODE.sub("", text.upper())


def is_blocked(code: str) -> bool:
    """True if the code contains a blocklisted word, also when spelled with digits.

    Words of four letters or more are caught anywhere; shorter ones only as the whole code
    or its whole letter part, so ``CASSIE15`` or ``SUSSEX10`` stay possible.
    """
    plain = normalise_code(code)
    folded = plain.translate(_FOLD)
    letters = re.sub(r"[0-9]", "", plain)
    texts = (plain, folded, letters)
    for word in BLOCKLIST:
        if len(word) >= 4 and any(word in text for text in texts):
            return True
        if len(word) < 4 and any(text == word for text in texts):
            return True
    return False


def vanity_base(handle: str) -> str:
    """The code-friendly part of a handle: ``@anna.bakes_`` → ``ANNABAKES``."""
    ascii_text = unicodedata.normalize("NFKD", handle).encode("ascii", "ignore").decode()
    return normalise_code(ascii_text)[:MAX_VANITY]


def random_part(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(CODE_ALPHABET) for _ in range(length))


def code_candidates(handle: str, discount_percent: int, rng: random.Random) -> Iterator[str]:
    """Codes to try, best first; endless, so a caller stops at the first free one."""
    base = vanity_base(handle)
    suffix = str(discount_percent)
    if base and not is_blocked(base):
        yield base + suffix
        for length in (2, 2, 3, 3, 4):
            candidate = base + suffix + random_part(rng, length)
            if not is_blocked(candidate):
                yield candidate
    length = 6
    while True:
        candidate = random_part(rng, length) + suffix
        if not is_blocked(candidate):
            yield candidate
        length = min(length + 1, 10)


def new_slug(rng: random.Random, length: int = SLUG_LENGTH) -> str:
    """A short random link slug without look-alike characters."""
    return "".join(rng.choice(SLUG_ALPHABET) for _ in range(length))


def slugify(text: str, fallback: str) -> str:
    """Lower-case letters, digits and dashes: ``"Summer Sale!"`` → ``summer-sale``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:40].strip("-") or fallback


def source_slug(handle: str) -> str:
    """The ``utm_source`` value for a creator."""
    return slugify(handle, "creator")
