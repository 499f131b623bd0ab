"""The one form of a clear identifier that is pseudonymised: one person, one pseudonym.

People write the same identifier in several ways: a BSN as ``111222333``, ``111 222 333`` or
``1112.22.333``, a name with a double space, a non-breaking space or an en dash, with its
accents composed or as combining marks (NFC or NFD, as macOS stores file names), with an
invisible zero-width space or a trailing newline. Pseudonymised as written, each would be
another pseudonym, so one person would be split in two, and erasing the person by one
spelling (``ketenhub erase --identifier``) would leave the texts under the other readable.
``canonical_identifier`` folds those differences away before the keyed HMAC. Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata

from ketenhub.core.personal_data import is_bsn
from ketenhub.core.text_folding import fold

_SPACES = re.compile(r"\s+")
_WRITTEN_NUMBER = re.compile(r"[0-9][0-9 ./_-]*[0-9]")


def canonical_identifier(identifier: str) -> str:
    """``identifier`` in the form it is pseudonymised in ('' when nothing visible is left).

    Letters with combining accents are composed (``e`` + U+0301 is ``é``, as NFC writes it),
    compatibility forms, dashes and digits of other scripts become their plain forms,
    invisible characters are dropped, runs of spaces become one and the ends are trimmed;
    a BSN in any of its written forms becomes its nine digits.
    """
    composed = unicodedata.normalize("NFKC", identifier)  # e + U+0301: the one letter é
    text = _SPACES.sub(" ", fold(composed).text).strip()
    if _WRITTEN_NUMBER.fullmatch(text) is not None and is_bsn(text):
        return re.sub(r"[^0-9]", "", text).zfill(9)
    return text
