"""The GraphQL engine's accelerations: the only place that touches strawberry's and
graphql-core's internals.

Tested with strawberry-graphql 0.341 and graphql-core 3.3 (the ranges ``pyproject.toml`` pins);
a newer release is taken by raising those pins once ``tests/schema`` passes on it, on both
paths below.

Each acceleration replaces a reference path, which is plain strawberry:

- ``fast_fields``: plain scalar and enum fields are read and serialized in place, and
  synchronous resolvers are called directly with their arguments converted by a plan made
  once per schema -- instead of graphql-core's and strawberry's per-field machinery (path,
  resolve info, resolver wrapper, argument conversion, extension chain).
- ``shared_events``: a subscription event is executed once per distinct subscription
  (operation, variables read per event, viewer) and the result shared -- instead of
  graphql-core executing the selection set for every event of every subscriber.
- ``live_delivery``: an event whose shared result is cached is sent straight to a further
  subscriber as a ``next`` frame -- instead of strawberry walking it through the per-event
  executor, its result and extension hooks and the transport handler.
- ``ws_frames``: the JSON of a shared result is made once and wrapped in each subscriber's
  ``next`` frame -- instead of strawberry serializing the message for each subscriber.
- ``internals``: the private attributes the rest of ``schema`` reads (graphql-core's resolve
  info and schema, strawberry's scalar registry and field back-references), one function each.

``accelerated.Accelerated`` puts the first four on a schema and ``view.AcceleratedView`` on
strawberry's ASGI view. ``schema.build_schema(accelerate=False)`` builds the reference path,
and so does ``HUB_ACCELERATE=0`` in the environment for a schema built without saying (the app,
``hub serve``, the tests): ``tests/schema`` runs on both paths, which proves each acceleration
equal to what it replaces.
"""
