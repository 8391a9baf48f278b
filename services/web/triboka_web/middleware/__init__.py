"""Pure ASGI middleware: request IDs and access logs, security headers, locale selection, metrics."""
