"""Django password-hasher vectors, made by Django's own hashers.

Run with the Django under test installed (see README.md):
    python make_django.py      # writes django_<major>_<minor>.json

Django 5.x no longer ships the SHA-1 and unsalted hashers, so those come from a
Django 4.2 run; that run also uses bcrypt 4.x, which (like every bcrypt before
bcrypt 5) silently truncated passwords at 72 bytes when Django hashed them.
Cheaper parameters are set the way Django documents it: by subclassing a hasher.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import warnings
from importlib.metadata import version
from pathlib import Path
from typing import Any

from django.conf import settings

import django

settings.configure(USE_TZ=True)
warnings.simplefilter("ignore")  # the deprecated hashers warn on use; that is expected here

from argon2.low_level import Type  # noqa: E402
from django.contrib.auth import hashers  # noqa: E402

# The SHA-1 and unsalted hashers exist only in Django < 5.1: reached through Any.
old_hashers: Any = hashers
HERE = Path(__file__).resolve().parent
PASSWORDS: list[dict[str, str]] = json.loads((HERE / "passwords.json").read_text("utf-8"))[
    "passwords"
]
vectors: list[dict[str, Any]] = []


def add(fmt: str, hasher: Any, pw: dict[str, str], via: str, encoded: str) -> None:
    assert hasher.verify(pw["password"], encoded), (fmt, pw["id"])
    vectors.append(
        {
            "format": fmt,
            "password_id": pw["id"],
            "password": pw["password"],
            "via": via,
            "encoded": encoded,
        }
    )


def over_72_bytes(pw: dict[str, str]) -> bool:
    return len(pw["password"].encode()) > 72


class FastBCrypt(hashers.BCryptPasswordHasher):
    rounds = 4


class FastBCryptSHA256(hashers.BCryptSHA256PasswordHasher):
    rounds = 4


class FastArgon2(hashers.Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 1024
    parallelism = 2


class OldArgon2i(FastArgon2):
    """Argon2i, as Django 1.10 to 2.x wrote it before switching to argon2id."""

    def params(self) -> Any:
        return dataclasses.replace(super().params(), type=Type.I)


ascii_pw = PASSWORDS[0]
modern = django.VERSION >= (5, 0)
bcrypt_truncates = int(version("bcrypt").split(".")[0]) < 5

if modern:
    h: Any = hashers.PBKDF2PasswordHasher()
    add(
        "django-pbkdf2_sha256",
        h,
        ascii_pw,
        f"default, {h.iterations} iterations",
        h.encode(ascii_pw["password"], h.salt()),
    )
    for pw in PASSWORDS:
        add(
            "django-pbkdf2_sha256",
            h,
            pw,
            "1000 iterations",
            h.encode(pw["password"], h.salt(), iterations=1000),
        )
    h = hashers.PBKDF2SHA1PasswordHasher()
    for pw in PASSWORDS[:3]:
        add(
            "django-pbkdf2_sha1",
            h,
            pw,
            "1000 iterations",
            h.encode(pw["password"], h.salt(), iterations=1000),
        )

    h = hashers.Argon2PasswordHasher()
    add(
        "django-argon2", h, ascii_pw, "default parameters", h.encode(ascii_pw["password"], h.salt())
    )
    h = FastArgon2()
    for pw in PASSWORDS:
        add("django-argon2", h, pw, "subclass m=1024 t=2 p=2", h.encode(pw["password"], h.salt()))
    h = OldArgon2i()
    for pw in PASSWORDS[:2]:
        add(
            "django-argon2",
            h,
            pw,
            "argon2i subclass m=1024 t=2 p=2",
            h.encode(pw["password"], h.salt()),
        )

    h = hashers.BCryptSHA256PasswordHasher()
    add(
        "django-bcrypt_sha256",
        h,
        ascii_pw,
        f"default, {h.rounds} rounds",
        h.encode(ascii_pw["password"], h.salt()),
    )
    h = FastBCryptSHA256()
    for pw in PASSWORDS:
        add("django-bcrypt_sha256", h, pw, "subclass, 4 rounds", h.encode(pw["password"], h.salt()))

    h = hashers.ScryptPasswordHasher()
    add(
        "django-scrypt", h, ascii_pw, "default parameters", h.encode(ascii_pw["password"], h.salt())
    )
    for pw in PASSWORDS:
        add(
            "django-scrypt",
            h,
            pw,
            "n=1024 r=8 p=1",
            h.encode(pw["password"], h.salt(), n=1024, r=8, p=1),
        )

    h = hashers.MD5PasswordHasher()
    for pw in PASSWORDS:
        add("django-md5", h, pw, "salted MD5", h.encode(pw["password"], h.salt()))
else:
    h = hashers.PBKDF2PasswordHasher()
    add(
        "django-pbkdf2_sha256",
        h,
        ascii_pw,
        f"default, {h.iterations} iterations",
        h.encode(ascii_pw["password"], h.salt()),
    )
    h = old_hashers.SHA1PasswordHasher()
    for pw in PASSWORDS:
        add("django-sha1", h, pw, "salted SHA-1", h.encode(pw["password"], h.salt()))
    h = old_hashers.UnsaltedSHA1PasswordHasher()
    for pw in PASSWORDS:
        add("django-unsalted_sha1", h, pw, "unsalted SHA-1", h.encode(pw["password"], ""))
    h = old_hashers.UnsaltedMD5PasswordHasher()
    for pw in PASSWORDS:
        add("django-unsalted_md5", h, pw, "unsalted MD5", h.encode(pw["password"], ""))
    for pw in PASSWORDS[:2]:
        add(
            "django-unsalted_md5",
            h,
            pw,
            "md5$$ form Django's verify accepts",
            "md5$$" + h.encode(pw["password"], ""),
        )

h = FastBCrypt()
for pw in PASSWORDS:
    if over_72_bytes(pw) and not bcrypt_truncates:
        continue  # bcrypt 5 refuses these; only the truncating bcrypt 4 run can make them
    add(
        "django-bcrypt",
        h,
        pw,
        f"subclass, 4 rounds, bcrypt {version('bcrypt')}",
        h.encode(pw["password"], h.salt()),
    )

out = f"django_{django.VERSION[0]}_{django.VERSION[1]}.json"
reference = (
    f"Django {django.get_version()} on Python {sys.version.split()[0]}, "
    f"bcrypt {version('bcrypt')}, argon2-cffi {version('argon2-cffi')}"
)
doc = {
    "generator": "tests/legacy/vectors/make_django.py",
    "reference": reference,
    "vectors": vectors,
}
(HERE / out).write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", "utf-8")
print(f"{out}: {len(vectors)} vectors ({reference})")
