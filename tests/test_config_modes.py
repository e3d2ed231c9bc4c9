"""The ownership mode in the configuration (README "Configuration", "Ownership modes"): each
`BFF_PARTICLE_PRODUCTS` entry states its mode and credentials; `BFF_OWNERSHIP_MODE` sets the
sandbox's demo products'."""
from __future__ import annotations

import pytest

from bff import create_app
from bff.config import CUSTOMERS_MODE, PRODUCT_MODE, ConfigError, ProductCredentials, parse_products
from bff.particle.sandbox_link import products_from_demo_info


def test_the_three_forms_of_an_entry():
    products = parse_products("1234:widget-1234:s3cr:et\ncustomers:widget-wifi:wifi-77:a:b, "
                              "product:gadget-v2:0f1e2d3c product:4321:0f1e2d3c")

    assert products == [
        ProductCredentials("1234", "widget-1234", "s3cr:et"),
        ProductCredentials("widget-wifi", "wifi-77", "a:b"),
        ProductCredentials("gadget-v2", mode=PRODUCT_MODE, api_token="0f1e2d3c"),
        ProductCredentials("4321", mode=PRODUCT_MODE, api_token="0f1e2d3c"),  # one organization's token
    ]
    assert [p.mode for p in products] == [CUSTOMERS_MODE, CUSTOMERS_MODE, PRODUCT_MODE, PRODUCT_MODE]
    assert [p.owners_in_cloud for p in products] == [True, True, False, False]


@pytest.mark.parametrize("text, words", [
    ("product:1234", "product:PRODUCT:API_USER_TOKEN"),
    ("product::token", "product:PRODUCT:API_USER_TOKEN"),
    ("product:1234:", "product:PRODUCT:API_USER_TOKEN"),
    ("customers:1234:client", "PRODUCT:CLIENT_ID:CLIENT_SECRET"),
    ("customers:1234::secret", "customers:PRODUCT:CLIENT_ID:CLIENT_SECRET"),
    ("1234:client", "product:PRODUCT:API_USER_TOKEN"),  # the error lists every form
    ("1234:a:b product:1234:token", "listed twice"),
])
def test_a_malformed_entry_names_the_variable_and_the_forms(text, words):
    with pytest.raises(ConfigError, match="BFF_PARTICLE_PRODUCTS") as error:
        parse_products(text)

    assert words in str(error.value)


def test_the_api_users_token_is_not_in_the_repr():
    assert "0f1e2d3c" not in repr(ProductCredentials("p", mode=PRODUCT_MODE, api_token="0f1e2d3c"))


def test_bff_ownership_mode_sets_the_sandboxs_demo_products(monkeypatch, tmp_path):
    monkeypatch.delenv("BFF_PARTICLE_PRODUCTS", raising=False)
    monkeypatch.setenv("BFF_OWNERSHIP_MODE", "Product")

    assert create_app(instance_path=str(tmp_path)).config["OWNERSHIP_MODE"] == PRODUCT_MODE
    monkeypatch.delenv("BFF_OWNERSHIP_MODE")
    assert create_app(instance_path=str(tmp_path)).config["OWNERSHIP_MODE"] == CUSTOMERS_MODE


def test_a_wrong_ownership_mode_is_refused_plainly(monkeypatch, tmp_path):
    monkeypatch.setenv("BFF_OWNERSHIP_MODE", "owners")

    with pytest.raises(ConfigError, match="BFF_OWNERSHIP_MODE: 'owners' is not a mode. Use customers"):
        create_app(instance_path=str(tmp_path))


def test_bff_ownership_mode_product_beside_configured_products_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("BFF_PARTICLE_PRODUCTS", "1234:widget-1234:secret")
    monkeypatch.setenv("BFF_OWNERSHIP_MODE", "product")

    with pytest.raises(ConfigError, match="each entry says its own mode: write product:PRODUCT:API_USER_TOKEN"):
        create_app(instance_path=str(tmp_path))


def test_the_demo_products_in_product_mode_carry_only_their_api_users_tokens(demo):
    products = products_from_demo_info(demo, mode=PRODUCT_MODE)

    assert [(p.key, p.mode, p.client_id, p.client_secret) for p in products] == [
        (p["slug"], PRODUCT_MODE, "", "") for p in demo["products"]]
    assert [p.api_token for p in products] == [p["api_user_token"] for p in demo["products"]]
    with pytest.raises(RuntimeError, match="no API user for"):
        products_from_demo_info({**demo, "products": [{**demo["products"][0], "api_user_token": None}]},
                                mode=PRODUCT_MODE)
