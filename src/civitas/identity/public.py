"""What other domains may use from identity."""

from civitas.identity.permissions import has_permission, staff_member_required

__all__ = ["has_permission", "staff_member_required"]
