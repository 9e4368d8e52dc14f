"""The ASGI entry point for servers: `uvicorn parley.api.asgi:app`. Settings come from the
environment when the app starts, in each worker process."""

from parley.api.app import create_app

app = create_app()
