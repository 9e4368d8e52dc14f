"""The deployment entry points load the app the way their hosts do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_vercels_root_app_py_exposes_the_asgi_app_and_runs_inline(tmp_path: Path) -> None:
    code = (
        "import asyncio, httpx, app\n"
        "async def main():\n"
        "    t = httpx.ASGITransport(app=app.app)\n"
        "    async with httpx.AsyncClient(transport=t, base_url='http://v') as c:\n"
        "        r = await c.get('/api/health')\n"
        "        print(r.status_code, r.json()['mode'], r.json()['usingKv'])\n"
        "asyncio.run(main())\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "KV_URL")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "VERCEL": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "inline", "False"]
