"""Local sandbox SMS gateways that speak Firetext's and MMG's HTTP APIs, for tests and
the demo (`civitas smsgateway`)."""

from civitas.notify.sandboxes.sms import (
    Accepted,
    FiretextSandbox,
    MmgSandbox,
    SandboxGateway,
)

__all__ = ["Accepted", "FiretextSandbox", "MmgSandbox", "SandboxGateway"]
