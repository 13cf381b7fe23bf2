"""The domains of Civitas, declared once, in layers from the top down.

A domain may use the public API (`public.py`) of domains in layers below its own, never
above it, and never of another domain in its own layer. Settings install the domains from
this list; the import contracts in pyproject.toml (which cannot import Python) are checked
against it by tests/architecture/test_layers.py, so the two cannot drift apart.
"""

LAYERS: tuple[tuple[str, ...], ...] = (
    ("demo",),
    ("journeys", "insights"),
    ("cases",),
    ("catalogue", "notify", "pay"),
    ("identity", "ledger", "rules"),
)

DOMAINS: tuple[str, ...] = tuple(domain for layer in LAYERS for domain in layer)
