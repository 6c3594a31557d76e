"""WordPress and WooCommerce ``wp_users.user_pass`` values, checked as WordPress checks them.

WordPress 6.8+ stores ``$wp`` + bcrypt of ``base64(HMAC-SHA384(key "wp-sha384",
password))`` (``wp_hash_password`` in ``wp-includes/pluggable.php``); the pre-hash is 64
ASCII characters, so bcrypt's 72-byte limit never bites. ``wp_check_password`` still
accepts what older versions left behind, and so does this verifier:

* 32 hex digits or fewer: plain MD5 (before WordPress 2.5);
* ``$P$``: phpass portable, 2**13 rounds (2.5 to 6.7); ``$H$`` too, as phpass accepts it;
* anything else goes to PHP's ``password_verify``: plain bcrypt, or Argon2 when a site
  filtered ``wp_hash_password_algorithm``.

Whitespace: WordPress trims the password twice, in ``wp_hash_password`` when storing and
in ``wp_authenticate`` at every login, but not in ``wp_check_password``. A customer who
typed " secret " logged in to WordPress with the hash of "secret", so we trim with PHP's
``trim()`` characters before checking, as WordPress's login did. Passwords over 4096
bytes fail, as in ``wp_check_password``. ``identify`` claims only ``$wp$`` values; the
older shapes have their own format names (``phpass``, ``bcrypt``, ``argon2``,
``django-unsalted_md5``) for detection, but a row stored as ``wordpress`` may hold any.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from hashless.errors import MalformedHash
from hashless.legacy._argon2_core import argon2_is_weak, argon2_matches, looks_like_argon2
from hashless.legacy._bcrypt_core import bcrypt_is_weak, bcrypt_matches, looks_like_bcrypt
from hashless.legacy._text import php_trim, utf8
from hashless.legacy.ceilings import DEFAULT_CEILINGS, Ceilings
from hashless.legacy.hardenable import InnerParts
from hashless.legacy.phpass import (
    looks_like_phpass,
    phpass_crypt,
    phpass_inner_parts,
    phpass_log2_count,
    phpass_matches,
)

__all__ = ["WordPressVerifier", "wordpress_prehash"]

_PREFIX = "$wp"
_MD5_HEX = re.compile(r"[0-9a-f]{32}")
_MAX_PASSWORD_BYTES = 4096


def wordpress_prehash(secret: bytes) -> bytes:
    """What WordPress 6.8+ hands to bcrypt: base64 of HMAC-SHA384 keyed ``wp-sha384``."""
    return base64.b64encode(hmac.new(b"wp-sha384", secret, hashlib.sha384).digest())


class WordPressVerifier:
    """Whatever WordPress 6.8's ``wp_check_password`` accepts, after ``wp_authenticate``'s trim."""

    name: str = "wordpress"

    def __init__(self, ceilings: Ceilings = DEFAULT_CEILINGS) -> None:
        self._ceilings = ceilings

    def identify(self, encoded: str) -> bool:
        return encoded.startswith(_PREFIX + "$") and looks_like_bcrypt(encoded[len(_PREFIX) :])

    def verify(self, password: str, encoded: str) -> bool:
        secret = utf8(php_trim(password))
        if secret is None:
            return False
        if len(encoded) <= 32:
            if _MD5_HEX.fullmatch(encoded) is None:
                raise MalformedHash(self.name, "short value is not an MD5 hex digest")
            digest = hashlib.md5(secret, usedforsecurity=False).hexdigest()
            return hmac.compare_digest(digest.encode("ascii"), encoded.encode("ascii"))
        if len(secret) > _MAX_PASSWORD_BYTES:
            return False
        c = self._ceilings
        if encoded.startswith(_PREFIX):
            prehash = wordpress_prehash(secret)
            return bcrypt_matches(
                prehash, encoded[len(_PREFIX) :], format_name=self.name, ceilings=c
            )
        if looks_like_phpass(encoded):
            return phpass_matches(secret, encoded, format_name=self.name, ceilings=c)
        if looks_like_bcrypt(encoded):
            return bcrypt_matches(secret, encoded, format_name=self.name, ceilings=c)
        if looks_like_argon2(encoded):
            return argon2_matches(secret, encoded, format_name=self.name, ceilings=c)
        raise MalformedHash(self.name, "not a hash wp_check_password accepts")

    def is_weak(self, encoded: str) -> bool:
        if len(encoded) <= 32:
            if _MD5_HEX.fullmatch(encoded) is None:
                raise MalformedHash(self.name, "short value is not an MD5 hex digest")
            return True
        if encoded.startswith(_PREFIX):
            return bcrypt_is_weak(encoded[len(_PREFIX) :], format_name=self.name)
        if looks_like_phpass(encoded):
            phpass_log2_count(encoded, format_name=self.name)
            return True
        if looks_like_bcrypt(encoded):
            return bcrypt_is_weak(encoded, format_name=self.name)
        if looks_like_argon2(encoded):
            return argon2_is_weak(encoded, format_name=self.name)
        raise MalformedHash(self.name, "not a hash wp_check_password accepts")

    def inner_parts(self, encoded: str) -> InnerParts | None:
        """MD5 and phpass values can be wrapped; bcrypt and Argon2 ones are not (None)."""
        if len(encoded) <= 32:
            if _MD5_HEX.fullmatch(encoded) is None:
                raise MalformedHash(self.name, "short value is not an MD5 hex digest")
            return InnerParts(self.name, "", bytes.fromhex(encoded))
        if looks_like_phpass(encoded):
            return phpass_inner_parts(encoded, format_name=self.name)
        if encoded.startswith(_PREFIX) or looks_like_bcrypt(encoded) or looks_like_argon2(encoded):
            return None
        raise MalformedHash(self.name, "not a hash wp_check_password accepts")

    def inner_digest(self, password: str, setting: str) -> bytes | None:
        """As ``verify``: the password trimmed first; setting "" is plain MD5, else phpass."""
        secret = utf8(php_trim(password))
        if secret is None:
            return None
        if not setting:
            return hashlib.md5(secret, usedforsecurity=False).digest()
        computed = phpass_crypt(secret, setting, format_name=self.name, ceilings=self._ceilings)
        return None if computed is None else computed[12:].encode("ascii")
