"""What other domains may use from journeys. The citizen's pages and the API are reached
by URL; a case shows its answers through the catalogue's question types. The wiring runs
the sweep of uploads nobody submitted."""

from civitas.journeys.uploads import delete_abandoned_uploads

__all__ = ["delete_abandoned_uploads"]
