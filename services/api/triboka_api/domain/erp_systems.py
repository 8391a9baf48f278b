"""The ERPs Triboka pushes to (S-60) and how each one's documents are shaped (S-63..S-66).

A company goes to the ERP's companies endpoint (business partner, account, customer/supplier); a contract and a
fixation go to its orders endpoint as one sales order each (a fixation is the priced part of its contract: quantity
at spot + differential). Every entity carries a stable external code (`TBK-C{id}`, the contract code,
`{contract code}-FIX-{id}`) so an ERP can recognise a second push of the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
class SystemSpec:
    name: str
    api_version: str
    endpoints: dict[str, str]  # companies, items, orders, invoices
    health_path: str  # the connectivity test: 200 or 401 there means the ERP answers (S-62)
    id_keys: tuple[str, ...]  # where the ERP's answer carries the id it gave the document
    company: Callable[[Company], JsonObject]
    order: Callable[[Order], JsonObject]


def company_code(company_id: int | None) -> str:
    return f"TBK-C{company_id}" if company_id is not None else ""


def _day(value: date | datetime | None) -> str | None:
    return value.date().isoformat() if isinstance(value, datetime) else value.isoformat() if value else None


def _float(value: Decimal | float | None) -> float | None:
    return float(value) if value is not None else None


def _is_supplier(company: Company) -> bool:
    return company.company_type == "producer"


def _sap_company(c: Company) -> JsonObject:
    return {
        "CardCode": company_code(c.id),
        "CardName": c.name,
        "CardType": "cSupplier" if _is_supplier(c) else "cCustomer",
        "EmailAddress": c.email,
        "Country": c.country,
        "Valid": "tYES" if c.is_active else "tNO",
    }


def _sap_order(o: Order) -> JsonObject:
    return {
        "CardCode": o.customer,
        "NumAtCard": o.code,
        "DocDate": o.ordered,
        "DocDueDate": o.due,
        "Comments": o.comment,
        "DocumentLines": [
            {
                "ItemCode": o.item,
                "ItemDescription": o.grade,
                "Quantity": o.quantity_mt,
                "UnitPrice": o.unit_price_usd,
            }
        ],
    }


def _dynamics_company(c: Company) -> JsonObject:
    return {
        "accountnumber": company_code(c.id),
        "name": c.name,
        "emailaddress1": c.email,
        "address1_country": c.country,
        "statecode": 0 if c.is_active else 1,
    }


def _dynamics_order(o: Order) -> JsonObject:
    return {
        "ordernumber": o.code,
        "name": o.comment,
        "customer_accountnumber": o.customer,
        "datefulfilled": o.ordered,
        "requestdeliveryby": o.due,
        "salesorder_details": [
            {
                "productdescription": f"{o.item} {o.grade or ''}".strip(),
                "quantity": o.quantity_mt,
                "priceperunit": o.unit_price_usd,
            }
        ],
    }


def _oracle_company(c: Company) -> JsonObject:
    return {
        "PartyNumber": company_code(c.id),
        "OrganizationName": c.name,
        "Type": "SUPPLIER" if _is_supplier(c) else "CUSTOMER",
        "EmailAddress": c.email,
        "Country": c.country,
        "Status": "A" if c.is_active else "I",
    }


def _oracle_order(o: Order) -> JsonObject:
    return {
        "SourceTransactionNumber": o.code,
        "SourceTransactionSystem": "TRIBOKA",
        "BuyingPartyNumber": o.customer,
        "TransactionOn": o.ordered,
        "RequestedShipDate": o.due,
        "lines": [
            {
                "ProductNumber": o.item,
                "OrderedQuantity": o.quantity_mt,
                "OrderedUOM": "MT",
                "UnitSellingPrice": o.unit_price_usd,
            }
        ],
    }


def _custom_company(c: Company) -> JsonObject:
    return {
        "external_id": company_code(c.id),
        "name": c.name,
        "type": c.company_type,
        "email": c.email,
        "country": c.country,
        "active": c.is_active,
    }


def _custom_order(o: Order) -> JsonObject:
    return {
        "external_id": o.code,
        "customer": o.customer,
        "supplier": o.supplier,
        "order_date": o.ordered,
        "due_date": o.due,
        "product": o.item,
        "grade": o.grade,
        "quantity_mt": o.quantity_mt,
        "unit_price_usd": o.unit_price_usd,
        "description": o.comment,
    }


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
        _sap_company,
        _sap_order,
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
        _dynamics_company,
        _dynamics_order,
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
        _oracle_company,
        _oracle_order,
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
        _custom_company,
        _custom_order,
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
