"""What other domains, and the wiring (`civitas.wiring`), may use from journeys. The
citizen's pages and the API are reached by URL; a case shows its answers through the
catalogue's question types."""

from civitas.journeys.saving import delete_expired_saved_journeys

__all__ = ["delete_expired_saved_journeys"]
