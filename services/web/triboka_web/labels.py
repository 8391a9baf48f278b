"""Human names (translated where shown) and badge colours for the API's status, role and type values."""

from __future__ import annotations

from triboka_web.i18n import N_, gettext

STATUS_LABELS = {
    "available": N_("Available"),
    "purchased": N_("Purchased"),
    "batched": N_("Batched"),
    "received": N_("Received"),
    "created": N_("Created"),
    "minted": N_("Minted"),
    "active": N_("Active"),
    "draft": N_("Draft"),
    "suspended": N_("Suspended"),
    "completed": N_("Completed"),
    "cancelled": N_("Cancelled"),
    "planned": N_("Planned"),
    "in_transit": N_("In transit"),
    "delivered": N_("Delivered"),
    "admin": N_("Administrator"),
    "operator": N_("Operator"),
    "exporter": N_("Exporter"),
    "buyer": N_("Buyer"),
    "producer": N_("Producer"),
    "user": N_("User"),
    # digital identities and KYC documents (issue 14)
    "pending": N_("Pending review"),
    "verified": N_("Verified"),
    "rejected": N_("Rejected"),
    "passport": N_("Passport"),
    "id_card": N_("ID card"),
    "license": N_("License"),
    "certificate": N_("Certificate"),
}

STATUS_COLOURS = {
    "pending": "warning",
    "verified": "success",
    "rejected": "danger",
    "available": "success",
    "purchased": "primary",
    "batched": "warning",
    "created": "info",
    "active": "success",
    "draft": "secondary",
    "suspended": "warning",
    "completed": "dark",
    "cancelled": "danger",
    "planned": "secondary",
    "in_transit": "primary",
    "delivered": "success",
}


def status_label(value: str | None) -> str:
    return gettext(STATUS_LABELS[value]) if value in STATUS_LABELS else (value or "—")


def status_colour(value: str | None) -> str:
    return STATUS_COLOURS.get(value or "", "secondary")


def translated_labels() -> dict[str, str]:
    return {value: gettext(label) for value, label in STATUS_LABELS.items()}
