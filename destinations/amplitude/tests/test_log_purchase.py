"""logPurchase: the order event, one Product Purchased event per product, revenue and insert ids."""

from __future__ import annotations

from typing import Any

from actions import use_clock
from actions.testing import make_event, run_action
from actions_amplitude import destination

SETTINGS = {"apiKey": "test-api-key", "secretKey": "test-secret-key"}
UA_FIELDS = {"os_name", "os_version", "device_manufacturer", "device_model"}


def events_of(
    properties: dict[str, Any], mapping: dict[str, Any] | None = None, **event: Any
) -> list[dict[str, Any]]:
    with use_clock("2024-01-15T12:00:00.000Z"):
        run = run_action(
            destination,
            "logPurchase",
            event=make_event(
                {"event": "Order Completed", "properties": properties, "messageId": "order-1", **event}
            ),
            mapping=mapping,
            settings=SETTINGS,
            use_default_mappings=True,
        )
    assert run.request.url == "https://api2.amplitude.com/2/httpapi"
    events: list[dict[str, Any]] = run.request.body["events"]
    return events


def revenue_of(event: dict[str, Any]) -> dict[str, Any]:
    return {k: event[k] for k in ("revenue", "revenueType", "quantity", "price", "productId") if k in event}


def test_order_carries_revenue_and_each_product_gets_an_event() -> None:
    products = [
        {"productId": "a", "price": 10, "quantity": 2, "name": "Shoe"},
        {"productId": "b", "price": 5},
    ]
    order, first, second = events_of({"revenue": 25, "products": products})
    assert order["event_type"] == "Order Completed"
    assert revenue_of(order) == {"revenue": 25, "revenueType": "Purchase"}
    assert [first["event_type"], second["event_type"]] == ["Product Purchased", "Product Purchased"]
    # Only the five product fields of the default shape reach the product events.
    assert first["event_properties"] == {"price": 10, "quantity": 2, "productId": "a"}
    assert revenue_of(first) == {}
    assert revenue_of(second) == {}


def test_product_events_share_ids_and_time_but_not_user_agent_fields() -> None:
    order, product = events_of(
        {"revenue": 5, "products": [{"productId": "a"}]}, timestamp="2021-08-17T15:21:15.449Z"
    )
    for key in ("user_id", "device_id", "time", "platform", "library", "user_properties", "ip"):
        assert product[key] == order[key]
    assert order.keys() >= UA_FIELDS
    assert not UA_FIELDS & product.keys()
    assert order["time"] == 1629213675449


def test_price_times_quantity_is_the_order_revenue() -> None:
    (order,) = events_of({"revenue": 1, "price": 19.99, "quantity": 3})
    assert revenue_of(order) == {
        "revenue": 19.99 * 3,
        "revenueType": "Purchase",
        "quantity": 3,
        "price": 19.99,
    }


def test_zero_revenue_sends_no_revenue_fields() -> None:
    (order,) = events_of({"revenue": 0, "revenueType": "Refund"})
    assert revenue_of(order) == {}


def test_revenue_per_product_moves_revenue_to_product_events() -> None:
    products = [
        {"productId": "a", "quantity": 2, "price": 1999},
        {"productId": "b", "revenue": 1999},
        {"productId": "c", "price": 1999},
        {"productId": "d", "quantity": 2},
    ]
    order, *items = events_of({"revenue": 9999, "products": products}, {"trackRevenuePerProduct": True})
    assert revenue_of(order) == {}
    assert [item.get("revenue") for item in items] == [3998, 1999, None, None]
    assert revenue_of(items[0]) == {
        "revenue": 3998,
        "revenueType": "Purchase",
        "quantity": 2,
        "price": 1999,
        "productId": "a",
    }


def test_revenue_per_product_without_products_keeps_revenue_on_the_order() -> None:
    (order,) = events_of({"revenue": 42}, {"trackRevenuePerProduct": True})
    assert order["revenue"] == 42


def test_null_products_are_skipped() -> None:
    events = events_of({"revenue": 5, "products": [None, {"productId": "a", "price": 5}, None]})
    assert [e["event_type"] for e in events] == ["Order Completed", "Product Purchased"]
    assert events[1]["event_properties"] == {"productId": "a", "price": 5}


def test_products_with_zero_or_empty_values_are_still_product_events() -> None:
    products = [{"revenue": 0}, {"price": 0, "revenueType": ""}, {"productId": "a", "price": 5}]
    events = events_of({"revenue": 5, "products": products})
    assert [e["event_properties"] for e in events[1:]] == products


def test_insert_ids_default_to_message_id_with_numbered_product_suffixes() -> None:
    events = events_of({"revenue": 5, "products": [{"productId": "a"}, {"productId": "b"}]})
    assert [e["insert_id"] for e in events] == ["order-1", "order-1-2", "order-1-3"]


def test_mapped_insert_id_is_the_base_of_product_insert_ids() -> None:
    events = events_of({"products": [{"productId": "a"}]}, {"insert_id": "custom"})
    assert [e["insert_id"] for e in events] == ["custom", "custom-2"]


def test_products_are_not_a_key_of_any_event() -> None:
    for event in events_of({"products": [{"productId": "a"}]}):
        assert "products" not in event
        assert "use_batch_endpoint" not in event
