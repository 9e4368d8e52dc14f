# Sourced by scripts/start and scripts/test: a project virtualenv with parley installed.
# PYTHON picks the interpreter (default python3, must be >= 3.11); PARLEY_VENV the venv.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${PARLEY_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_venv() {  # ensure_venv EXTRAS  (e.g. "" or "[test]")
  if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "parley needs Python >= 3.11; '$PY' is $("$PY" --version 2>&1). Set PYTHON=python3.12 (or similar)." >&2
    exit 1
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating virtualenv $VENV"
    "$PY" -m venv "$VENV"
  fi
  # Reinstall only when pyproject.toml changed since the last install (saves ~10 s a run).
  local stamp="$VENV/.parley-installed$1"
  if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
    say "installing parley$1"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    # Not --quiet: the first install takes a minute or two, and its progress is shown.
    "$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar on -e "$ROOT$1"
    touch "$stamp"
  fi
}

apt_install() {  # apt_install PACKAGE...: Debian packages, when we are root and have apt
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian packages: $*"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null; then
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    fi
    return 0
  fi
  return 1
}
