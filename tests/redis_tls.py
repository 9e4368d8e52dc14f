"""A private redis-server that speaks only TLS, with a private CA and certificates made by
the `openssl` command line (no Python crypto library).

`make_tls_material(dir)` writes a CA, a server certificate for DNS:localhost and
IP:127.0.0.1 only, a client certificate (mutual TLS) and a second, unrelated CA; it takes a
fraction of a second, and its result can be shared by a session fixture. `running_tls_redis`
starts a server on it, listening on 127.0.0.1 and 127.0.0.2: the name `localhost` and
127.0.0.1 pass hostname verification, 127.0.0.2 reaches the same server but is not in the
certificate, so it is the "wrong host name" a test connects to.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import EllipsisType
from typing import Any
from urllib.parse import quote, urlencode

import redis

from tests.redis_server import RedisServer

# What the server certificate is valid for; WRONG_HOST reaches the server but is not in it.
SERVER_DNS_NAME = "localhost"
SERVER_IP = "127.0.0.1"
WRONG_HOST = "127.0.0.2"
VALID_DAYS = 3

_OPENSSL_CONF = """\
[req]
distinguished_name = dn
prompt = no

[dn]
CN = parley test

[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:{dns}, IP:{ip}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[client_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""


@dataclass(frozen=True)
class TlsMaterial:
    """PEM files: a CA, a server and a client certificate it signed (unencrypted keys), and
    the certificate of a second CA that signed none of them."""

    ca_cert: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca_cert: Path


def _openssl() -> str:
    binary = shutil.which("openssl")
    if binary is None:
        raise RuntimeError("openssl is not installed; the TLS tests need its command line")
    return binary


def _run(openssl: str, conf: Path, *args: str | Path) -> None:
    result = subprocess.run(
        [openssl, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"OPENSSL_CONF": str(conf), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    if result.returncode != 0:
        command = " ".join(map(str, args))
        raise RuntimeError(f"openssl {command} failed: {result.stderr.strip()}")


def _key(openssl: str, conf: Path, path: Path) -> Path:
    _run(openssl, conf, "genpkey", "-algorithm", "EC",
         "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", path)  # fmt: skip
    return path


def _ca(openssl: str, conf: Path, directory: Path, name: str, subject: str) -> tuple[Path, Path]:
    key = _key(openssl, conf, directory / f"{name}.key")
    cert = directory / f"{name}.crt"
    _run(openssl, conf, "req", "-x509", "-new", "-config", conf, "-extensions", "ca_ext",
         "-key", key, "-subj", subject, "-days", str(VALID_DAYS), "-sha256",
         "-set_serial", f"0x{secrets.token_hex(16)}", "-out", cert)  # fmt: skip
    return cert, key


def _leaf(
    openssl: str, conf: Path, directory: Path, name: str, subject: str, ca: tuple[Path, Path]
) -> tuple[Path, Path]:
    key = _key(openssl, conf, directory / f"{name}.key")
    csr = directory / f"{name}.csr"
    cert = directory / f"{name}.crt"
    _run(openssl, conf, "req", "-new", "-config", conf, "-key", key, "-subj", subject,
         "-out", csr)  # fmt: skip
    _run(openssl, conf, "x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1],
         "-set_serial", f"0x{secrets.token_hex(16)}", "-days", str(VALID_DAYS), "-sha256",
         "-extfile", conf, "-extensions", f"{name}_ext", "-out", cert)  # fmt: skip
    csr.unlink()
    return cert, key


def make_tls_material(directory: Path) -> TlsMaterial:
    """Writes the CA, server, client and other-CA files into `directory` (created if need
    be; files of a previous call are overwritten)."""
    openssl = _openssl()
    directory.mkdir(parents=True, exist_ok=True)
    conf = directory / "openssl.cnf"
    conf.write_text(_OPENSSL_CONF.format(dns=SERVER_DNS_NAME, ip=SERVER_IP))
    ca = _ca(openssl, conf, directory, "ca", "/O=parley tests/CN=parley test CA")
    server = _leaf(openssl, conf, directory, "server", f"/CN={SERVER_DNS_NAME}", ca)
    client = _leaf(openssl, conf, directory, "client", "/CN=parley test client", ca)
    other_ca, _ = _ca(openssl, conf, directory, "other-ca", "/O=elsewhere/CN=unrelated CA")
    return TlsMaterial(
        ca_cert=ca[0],
        server_cert=server[0],
        server_key=server[1],
        client_cert=client[0],
        client_key=client[1],
        other_ca_cert=other_ca,
    )


@contextlib.contextmanager
def tls_material() -> Iterator[TlsMaterial]:
    """`make_tls_material` in a temporary directory, removed on exit (for a session
    fixture that does not use tmp_path_factory)."""
    with tempfile.TemporaryDirectory(prefix="parley-tls-") as directory:
        yield make_tls_material(Path(directory))


class RedisTlsServer(RedisServer):
    """`redis-server` with only a TLS port (`--port 0`), no persistence, optionally a
    password and client certificates required; `stop()` kills it, `start()` again."""

    def __init__(
        self,
        material: TlsMaterial,
        *,
        require_client_cert: bool = False,
        password: str | None = None,
        args: tuple[str, ...] = (),
        port: int | None = None,
    ) -> None:
        super().__init__(password=password, args=args, port=port)
        self.material = material
        self.require_client_cert = require_client_cert

    @property
    def url(self) -> str:
        return self.tls_url()

    def tls_url(
        self,
        host: str = SERVER_DNS_NAME,
        *,
        password: str | EllipsisType | None = ...,
        db: int = 0,
        query: Mapping[str, str] | None = None,
    ) -> str:
        """A rediss:// URL of this server; the password is the server's unless given
        (None: none). `query` is appended as is (redis-py passes unknown ones to the
        connection, e.g. {"ssl_ca_certs": path})."""
        secret = self.password if isinstance(password, EllipsisType) else password
        auth = f":{quote(secret, safe='')}@" if secret else ""
        tail = f"?{urlencode(dict(query))}" if query else ""
        return f"rediss://{auth}{host}:{self.port}/{db}{tail}"

    def ssl_kwargs(
        self, *, ca_cert: Path | None = None, client_cert: bool | None = None
    ) -> dict[str, Any]:
        """redis-py's TLS arguments: trust `ca_cert` (the server's CA by default), and
        present the client certificate if `client_cert` (by default: if required)."""
        kwargs: dict[str, Any] = {
            "ssl": True,
            "ssl_ca_certs": str(ca_cert or self.material.ca_cert),
            "ssl_cert_reqs": "required",
            "ssl_check_hostname": True,
        }
        if self.require_client_cert if client_cert is None else client_cert:
            kwargs["ssl_certfile"] = str(self.material.client_cert)
            kwargs["ssl_keyfile"] = str(self.material.client_key)
        return kwargs

    def client(
        self,
        host: str = SERVER_DNS_NAME,
        *,
        password: str | EllipsisType | None = ...,
        ca_cert: Path | None = None,
        client_cert: bool | None = None,
        socket_timeout: float = 5,
    ) -> redis.Redis:
        """A synchronous redis-py client over TLS (defaults: what the server accepts)."""
        return redis.Redis(
            host=host,
            port=self.port,
            password=self.password if isinstance(password, EllipsisType) else password,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_timeout,
            **self.ssl_kwargs(ca_cert=ca_cert, client_cert=client_cert),
        )

    def _listen(self) -> list[str]:
        m = self.material
        return [
            "--port", "0",
            "--tls-port", str(self.port),
            "--bind", SERVER_IP, WRONG_HOST,
            "--tls-cert-file", str(m.server_cert),
            "--tls-key-file", str(m.server_key),
            "--tls-ca-cert-file", str(m.ca_cert),
            "--tls-auth-clients", "yes" if self.require_client_cert else "no",
        ]  # fmt: skip

    def _probe(self) -> redis.Redis:
        return self.client(client_cert=True, socket_timeout=2)


@contextlib.contextmanager
def running_tls_redis(
    material: TlsMaterial,
    *,
    require_client_cert: bool = False,
    password: str | None = None,
    args: tuple[str, ...] = (),
) -> Iterator[RedisTlsServer]:
    server = RedisTlsServer(
        material, require_client_cert=require_client_cert, password=password, args=args
    )
    try:
        server.start()
        yield server
    finally:
        server.close()
