"""The insights domain's tables: journey events, their rollups, feedback, and the figures
a service owner enters (volumes by other channels, costs per channel)."""
