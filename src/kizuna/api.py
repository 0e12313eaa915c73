"""The JSON API at /api/v1/ (OpenAPI document at /api/v1/openapi.json)."""

from ninja import NinjaAPI

from kizuna.actions.api import router as actions_router
from kizuna.commerce.api import router as commerce_router
from kizuna.core.api import TokenAuth, install_error_handlers
from kizuna.core.api import router as core_router
from kizuna.customers.api import router as customers_router
from kizuna.pipeline.api import router as pipeline_router

api = NinjaAPI(
    title="Kizuna API",
    version="1",
    description="Kizuna (絆) JSON API. Authenticate with a personal token: "
    "`Authorization: Bearer kzn_…` (create one under Account → API tokens).",
    auth=TokenAuth(),
    urls_namespace="api-1",
    docs_url="/docs",
)
install_error_handlers(api)
api.add_router("/", core_router)
api.add_router("/", customers_router)  # accounts, departments, contacts, customers
api.add_router("/", commerce_router)  # products, channels, media, campaigns, orders
api.add_router("/", pipeline_router)  # activities
api.add_router("/", actions_router)  # judgment criteria, previews, alerts
