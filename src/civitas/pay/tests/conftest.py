"""Fixtures for pay's tests: a GOV.UK Pay the provider adapter talks to over HTTP."""

from civitas.pay.tests.govuk_pay_server import govuk_pay

__all__ = ["govuk_pay"]
