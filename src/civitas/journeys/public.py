"""The journeys domain exposes pages and an API; nothing for other domains yet."""
