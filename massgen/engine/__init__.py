"""The generic HTTP engine: one backend for the four wire protocols, driven by an agent's plan.

``adapters.create(plan)`` builds it; ``request`` renders the protocol's template into one request;
``transport`` sends it with retries; ``sse`` and ``decoders`` turn the stream into events. Nothing here is
imported on the ``massgen validate`` path.
"""
