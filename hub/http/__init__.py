"""The HTTP side of the composition root: the Starlette app (``hub.http.app``) and its
endpoints and middleware. With ``hub.cli`` it is the only part of ``hub`` that may import
``schema``, ``connectors`` and ``jobs`` (the contracts in pyproject.toml); nothing in the core,
``schema``, ``connectors`` or ``jobs`` imports it."""
