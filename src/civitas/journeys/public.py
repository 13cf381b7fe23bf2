"""What other domains may use from journeys: nothing yet. The citizen's pages and the API
are reached by URL; a case shows its answers through the catalogue's question types."""

__all__: list[str] = []
