"""The ERPs Triboka pushes to (S-60) and how each one's documents are shaped (S-63..S-66).

A company goes to the ERP's companies endpoint (business partner, account, customer/supplier); a contract and a
fixation go to its orders endpoint as one sales order each (a fixation is the priced part of its contract: quantity
at spot + differential). Every entity carries a stable external code (`TBK-C{id}`, the contract code,
`{contract code}-FIX-{id}`) so an ERP can recognise a second push of the same thing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from triboka_api.models import Company, ContractFixation, ExportContract

JsonObject = dict[str, Any]


class System(StrEnum):
    SAP = "sap"
    DYNAMICS = "dynamics"
    ORACLE = "oracle"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Order:
    """A contract or fixation as one sales order, before a system's field names are applied."""

    code: str
    customer: str
    supplier: str | None
    ordered: str | None
    due: str | None
    item: str
    grade: str | None
    quantity_mt: float
    unit_price_usd: float | None
    comment: str


@dataclass(frozen=True)
class Choice:
    """A yes/no fact in a system's own words (`CardType`: `cSupplier` or `cCustomer`)."""

    fact: str
    yes: Any
    no: Any


@dataclass(frozen=True)
class Const:
    value: Any


@dataclass(frozen=True)
class Lines:
    """The order's one line, as a list under this key, laid out by its own table."""

    layout: Layout


# A system's document: its field names in the order it is sent, each from a fact of the entity (by name), a
# choice between two of the system's words, a constant, or the order's line. Systems differ only in these tables.
Layout = dict[str, "str | Choice | Const | Lines"]


def _shaped(layout: Layout, facts: JsonObject) -> JsonObject:
    return {key: _value(source, facts) for key, source in layout.items()}


def _value(source: str | Choice | Const | Lines, facts: JsonObject) -> Any:
    if isinstance(source, str):
        return facts[source]
    if isinstance(source, Choice):
        return source.yes if facts[source.fact] else source.no
    if isinstance(source, Const):
        return source.value
    return [_shaped(source.layout, facts)]


def _company_facts(c: Company) -> JsonObject:
    return {
        "code": company_code(c.id),
        "name": c.name,
        "type": c.company_type,
        "supplier": c.company_type == "producer",
        "email": c.email,
        "country": c.country,
        "active": c.is_active,
    }


def _order_facts(o: Order) -> JsonObject:
    return asdict(o) | {"item_and_grade": f"{o.item} {o.grade or ''}".strip()}


@dataclass(frozen=True)
class SystemSpec:
    name: str
    api_version: str
    endpoints: dict[str, str]  # companies, items, orders, invoices
    health_path: str  # the connectivity test: 200 or 401 there means the ERP answers (S-62)
    id_keys: tuple[str, ...]  # where the ERP's answer carries the id it gave the document
    company_layout: Layout
    order_layout: Layout

    def company(self, company: Company) -> JsonObject:
        return _shaped(self.company_layout, _company_facts(company))

    def order(self, order: Order) -> JsonObject:
        return _shaped(self.order_layout, _order_facts(order))


def company_code(company_id: int | None) -> str:
    return f"TBK-C{company_id}" if company_id is not None else ""


def _day(value: date | datetime | None) -> str | None:
    return value.date().isoformat() if isinstance(value, datetime) else value.isoformat() if value else None


def _float(value: Decimal | float | None) -> float | None:
    return float(value) if value is not None else None


SYSTEMS: dict[System, SystemSpec] = {
    System.SAP: SystemSpec(
        "SAP Business One",
        "v1",
        {
            "companies": "/b1s/v1/BusinessPartners",
            "items": "/b1s/v1/Items",
            "orders": "/b1s/v1/Orders",
            "invoices": "/b1s/v1/Invoices",
        },
        "/b1s/v1/Login",
        ("DocEntry", "CardCode"),
        {
            "CardCode": "code",
            "CardName": "name",
            "CardType": Choice("supplier", "cSupplier", "cCustomer"),
            "EmailAddress": "email",
            "Country": "country",
            "Valid": Choice("active", "tYES", "tNO"),
        },
        {
            "CardCode": "customer",
            "NumAtCard": "code",
            "DocDate": "ordered",
            "DocDueDate": "due",
            "Comments": "comment",
            "DocumentLines": Lines(
                {
                    "ItemCode": "item",
                    "ItemDescription": "grade",
                    "Quantity": "quantity_mt",
                    "UnitPrice": "unit_price_usd",
                }
            ),
        },
    ),
    System.DYNAMICS: SystemSpec(
        "Microsoft Dynamics 365",
        "v9.2",
        {
            "companies": "/api/data/v9.2/accounts",
            "items": "/api/data/v9.2/products",
            "orders": "/api/data/v9.2/salesorders",
            "invoices": "/api/data/v9.2/invoices",
        },
        "/health",
        ("salesorderid", "accountid"),
        {
            "accountnumber": "code",
            "name": "name",
            "emailaddress1": "email",
            "address1_country": "country",
            "statecode": Choice("active", 0, 1),
        },
        {
            "ordernumber": "code",
            "name": "comment",
            "customer_accountnumber": "customer",
            "datefulfilled": "ordered",
            "requestdeliveryby": "due",
            "salesorder_details": Lines(
                {
                    "productdescription": "item_and_grade",
                    "quantity": "quantity_mt",
                    "priceperunit": "unit_price_usd",
                }
            ),
        },
    ),
    System.ORACLE: SystemSpec(
        "Oracle ERP Cloud",
        "11.13.18.05",
        {
            "companies": "/crmRestApi/resources/11.13.18.05/accounts",
            "items": "/fscmRestApi/resources/11.13.18.05/itemsV2",
            "orders": "/fscmRestApi/resources/11.13.18.05/salesOrdersForOrderHub",
            "invoices": "/fscmRestApi/resources/11.13.18.05/receivablesInvoices",
        },
        "/health",
        ("HeaderId", "PartyId"),
        {
            "PartyNumber": "code",
            "OrganizationName": "name",
            "Type": Choice("supplier", "SUPPLIER", "CUSTOMER"),
            "EmailAddress": "email",
            "Country": "country",
            "Status": Choice("active", "A", "I"),
        },
        {
            "SourceTransactionNumber": "code",
            "SourceTransactionSystem": Const("TRIBOKA"),
            "BuyingPartyNumber": "customer",
            "TransactionOn": "ordered",
            "RequestedShipDate": "due",
            "lines": Lines(
                {
                    "ProductNumber": "item",
                    "OrderedQuantity": "quantity_mt",
                    "OrderedUOM": Const("MT"),
                    "UnitSellingPrice": "unit_price_usd",
                }
            ),
        },
    ),
    System.CUSTOM: SystemSpec(
        "Custom ERP",
        "v1",
        {
            "companies": "/api/companies",
            "items": "/api/items",
            "orders": "/api/orders",
            "invoices": "/api/invoices",
        },
        "/health",
        ("id",),
        {
            "external_id": "code",
            "name": "name",
            "type": "type",
            "email": "email",
            "country": "country",
            "active": "active",
        },
        {
            "external_id": "code",
            "customer": "customer",
            "supplier": "supplier",
            "order_date": "ordered",
            "due_date": "due",
            "product": "item",
            "grade": "grade",
            "quantity_mt": "quantity_mt",
            "unit_price_usd": "unit_price_usd",
            "description": "comment",
        },
    ),
}


def contract_order(contract: ExportContract) -> Order:
    return Order(
        code=contract.contract_code,
        customer=company_code(contract.buyer_company_id),
        supplier=company_code(contract.exporter_company_id) or None,
        ordered=_day(contract.start_date),
        due=_day(contract.delivery_date),
        item=contract.product_type or "Cacao",
        grade=contract.product_grade,
        quantity_mt=float(contract.total_volume_mt),
        unit_price_usd=None,  # priced by its fixations
        comment=f"Triboka contract {contract.contract_code}",
    )


def fixation_order(fixation: ContractFixation, contract: ExportContract) -> Order:
    differential = (
        fixation.differential_usd if fixation.differential_usd is not None else contract.differential_usd
    )
    return Order(
        code=f"{contract.contract_code}-FIX-{fixation.id}",
        customer=company_code(contract.buyer_company_id),
        supplier=company_code(contract.exporter_company_id) or None,
        ordered=_day(fixation.fixation_date),
        due=_day(contract.delivery_date),
        item=contract.product_type or "Cacao",
        grade=contract.product_grade,
        quantity_mt=float(fixation.fixed_quantity_mt),
        unit_price_usd=_float(fixation.spot_price_usd + (differential or Decimal(0))),
        comment=f"Triboka fixation {fixation.id} of contract {contract.contract_code}",
    )


def erp_id(spec: SystemSpec, answer: Any) -> str | None:
    """The id the ERP gave the pushed document, where its answer says it."""
    if isinstance(answer, dict):
        for key in (*spec.id_keys, "id"):
            if answer.get(key) is not None:
                return str(answer[key])
    return None
