"""Revenue fields of a purchase or of one product: revenue, price x quantity, revenue type."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final, TypeGuard

from actions.js import truthy

__all__ = ["REVENUE_KEYS", "is_empty_product", "js_round", "revenue_properties"]

#: The payload keys that describe revenue; event-sending actions never copy them blindly.
REVENUE_KEYS: Final = ("revenue", "price", "productId", "quantity", "revenueType")
DEFAULT_REVENUE_TYPE: Final = "Purchase"


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def js_round(value: float) -> float | int:
    """JavaScript's ``Math.round``: halves go up (``2.5`` is 3, ``-2.5`` is -2), not to even."""
    if isinstance(value, int) or not math.isfinite(value):
        return value
    floor = math.floor(value)
    return floor + 1 if value - floor >= 0.5 else floor


def revenue_properties(source: Mapping[str, Any]) -> dict[str, Any]:
    """Amplitude's revenue fields for ``source`` (a purchase payload or one product).

    Revenue is ``price`` x ``quantity`` when both are numbers, otherwise ``revenue``; when that is
    zero or missing no revenue field is sent at all. The revenue type defaults to ``Purchase``.

    >>> revenue_properties({"price": 19.99, "quantity": 2, "productId": "sku-1"})
    {'revenue': 39.98, 'revenueType': 'Purchase', 'quantity': 2, 'price': 19.99, 'productId': 'sku-1'}
    """
    quantity = source.get("quantity")
    price = source.get("price")
    revenue = source.get("revenue")
    if _is_number(quantity) and _is_number(price):
        # Multiply as doubles, like the reference, so big integers round the same way.
        revenue = float(quantity) * float(price)
        if revenue.is_integer() and abs(revenue) < 2**53:
            revenue = int(revenue)
    if not truthy(revenue):
        return {}
    out: dict[str, Any] = {"revenue": revenue}
    revenue_type = source.get("revenueType")
    out["revenueType"] = revenue_type if revenue_type is not None else DEFAULT_REVENUE_TYPE
    if _is_number(quantity):
        out["quantity"] = js_round(quantity)
    for key in ("price", "productId"):
        if key in source:
            out[key] = source[key]
    return out


#: What validation makes of a ``null`` products entry: the default item shape resolves every
#: product field to ``null``, and each is then coerced to its type's zero value.
_NULL_PRODUCT: Final = {"price": 0, "revenue": 0, "quantity": 0, "productId": "", "revenueType": ""}
_NULL_KEYS: Final = _NULL_PRODUCT.keys()


def _is_coerced_null(value: object, zero: object) -> bool:
    if isinstance(zero, str):
        return value == ""
    return _is_number(value) and value == 0


def is_empty_product(product: object) -> bool:
    """Whether a products entry stands for a ``null`` entry of the event's products list.

    That is ``null`` itself, or what the default item shape and validation make of it: every
    product field present and holding the zero value of its type (other mapped keys ``null``).
    A product that merely has zero revenue (``{"revenue": 0}``) is a product.
    """
    if product is None:
        return True
    # Most products lack some product field: one set comparison says so (for every product of
    # every order).
    if not (type(product) is dict or isinstance(product, Mapping)) or not product.keys() >= _NULL_KEYS:
        return False
    return all(
        _is_coerced_null(value, _NULL_PRODUCT[key]) if key in _NULL_PRODUCT else value is None
        for key, value in product.items()
    )
