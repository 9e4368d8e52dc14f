"""Where a Redis is and how parley reaches it (host, port, db, TLS files): what may be
logged, never the password; and what a failed TLS handshake means, in words."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = ["RedisTarget", "TlsFiles", "tls_hint"]


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """What a TLS connection trusts and presents beyond the system's CA store: a CA bundle
    (a private CA) and a client certificate with its key (mutual TLS). PEM files."""

    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None

    def options(self) -> dict[str, str]:
        """redis-py's connection options for them."""
        given = {
            "ssl_ca_certs": self.ca_file,
            "ssl_certfile": self.cert_file,
            "ssl_keyfile": self.key_file,
        }
        return {name: str(path) for name, path in given.items() if path is not None}


def tls_hint(exc: BaseException, target: RedisTarget) -> str | None:
    """What to fix when `exc` is a failed TLS handshake, found in its chain."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            why = (seen.verify_message or str(seen)).rstrip(".")
            if "mismatch" in why or "doesn't match" in why:
                return (
                    f"the server's certificate is not valid for the host {target.host!r} "
                    f"({why}); connect by a name the certificate lists"
                )
            trust = (
                f"the CA in PARLEY_REDIS_CA_FILE ({target.tls_files.ca_file})"
                if target.tls_files.ca_file
                else "the system's CAs"
            )
            return (
                f"the server's certificate is not signed by {trust} ({why}); set "
                "PARLEY_REDIS_CA_FILE to the CA certificate your provider gives"
            )
        if isinstance(seen, ssl.SSLError) and "CERTIFICATE_REQUIRED" in str(seen):
            return (
                "the server requires a client certificate (mutual TLS): set "
                "PARLEY_REDIS_CERT_FILE and PARLEY_REDIS_KEY_FILE"
            )
        if (
            # TLS 1.3 ends the handshake before the server checks the client: a server
            # that wants a certificate then drops the connection, in one of these ways.
            isinstance(seen, ssl.SSLEOFError | ConnectionResetError | BrokenPipeError)
            and target.tls
            and target.tls_files.cert_file is None
        ):
            return (
                "the server closed the connection right after the handshake; if it "
                "requires a client certificate (mutual TLS), set PARLEY_REDIS_CERT_FILE and "
                "PARLEY_REDIS_KEY_FILE"
            )
        seen = seen.__cause__ or seen.__context__
    return None


class RedisTarget:
    """Host, port, db and TLS of a Redis URL: what may be logged. Never the password."""

    def __init__(self, url: str, *, cluster: bool = False, tls: TlsFiles | None = None) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "localhost"
        self.port = parts.port or 6379
        self.db = int(parts.path.lstrip("/") or 0)
        self.tls = parts.scheme == "rediss"
        self.cluster = cluster
        self.tls_files = tls or TlsFiles()
        # The password as the userinfo gives it, and any a query parameter gives
        # (redis-py reads ?password=): what `scrub` removes from library messages.
        query = parse_qsl(parts.query)
        self._secrets = {parts.password} | {v for k, v in query if k.lower() == "password"}

    def __str__(self) -> str:
        scheme = "rediss" if self.tls else "redis"
        where = f"{scheme}://{self.host}:{self.port}/{self.db}"
        return f"{where} (cluster)" if self.cluster else where

    def scrub(self, text: str) -> str:
        """`text` with the password removed (as written and decoded), in case a library
        echoed the URL."""
        for secret in self._secrets:
            for shown in {secret, unquote(secret or "")} - {None, ""}:
                assert shown is not None
                text = text.replace(shown, "***")
        return text
