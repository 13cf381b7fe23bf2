"""What other domains may use from the demo: nothing; it sits on top and only sets up."""

__all__: list[str] = []
