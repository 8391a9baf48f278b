"""The domain's refusals. Domain code raises these (never HTTP errors); `api/errors.py` maps each kind to its
status code and the contract's `{"error": message}` body."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal with a message meant for the caller."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RuleViolationError(DomainError):
    """The request breaks a business rule or names an invalid value (HTTP 400)."""


class PermissionDeniedError(DomainError):
    """The caller may not do this (HTTP 403)."""


class NotFoundError(DomainError):
    """What the request names does not exist, or is not visible to the caller (HTTP 404)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")


class ConflictError(DomainError):
    """The request collides with the stored state, e.g. a concurrent change (HTTP 409)."""


class ExternalServiceError(DomainError):
    """A system the API called on the caller's behalf (an ERP) refused or failed (HTTP 502)."""


class ExternalTimeoutError(ExternalServiceError):
    """A system the API called did not answer in time (HTTP 504)."""
