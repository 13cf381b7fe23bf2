"""What other domains, and the wiring (`civitas.wiring`), may use from insights."""

__all__: list[str] = []
