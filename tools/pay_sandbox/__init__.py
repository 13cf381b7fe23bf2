"""A local payment provider that speaks the GOV.UK Pay public API, with its own hosted
card pages: what the demo and the tests take card payments through (see __main__ and
docs/operations.md, "The payment sandbox")."""
