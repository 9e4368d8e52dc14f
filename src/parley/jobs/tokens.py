"""Owner tokens: the secret a POST answers with, that lets its holder erase the
conversation. Stored only as a SHA-256 hash in the job record; a token carries 256
random bits, so a plain hash (no salt, no stretching) is as good as a password hash here:
there is nothing to guess."""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["hash_token", "new_owner_token"]


def new_owner_token() -> tuple[str, str]:
    """A fresh owner token (URL-safe, 256 random bits) and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
