"""Email comparison: one account per email, whatever its case or Unicode form."""

from __future__ import annotations

import unicodedata

__all__ = ["email_key"]


def email_key(email: str) -> str:
    """The form under which two emails count as the same account.

    NFKC folds compatibility characters (fullwidth letters, ligatures) and
    ``casefold`` is the Unicode-aware lower-casing, so ``Anna@Example.com`` and the
    same address typed in fullwidth letters cannot become two accounts.
    """
    return unicodedata.normalize("NFKC", email.strip()).casefold()
