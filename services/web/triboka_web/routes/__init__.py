"""One router per area of the dashboard."""

from triboka_web.routes import (
    admin,
    auth,
    batches,
    contracts,
    dashboards,
    deals,
    dispatches,
    health,
    identity,
    impersonation,
    integrations,
    lots,
    matching,
    public,
    reports,
    trace,
)

ROUTERS = (
    health.router,
    auth.router,
    public.router,
    dashboards.router,
    lots.router,
    batches.router,
    contracts.router,
    dispatches.router,
    admin.router,
    trace.router,
    reports.router,
    deals.router,
    identity.router,
    impersonation.router,
    integrations.router,
    matching.router,
)
