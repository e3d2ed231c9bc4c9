"""Configuration: BFF_* environment, the products format, secrets kept in the instance folder."""
import pytest

from bff import create_app
from bff.config import ConfigError, ProductCredentials, parse_products


def test_products_are_parsed_from_product_client_and_secret_entries():
    products = parse_products("1234:widget-1234:s3cr:et, widget-wifi:wifi-77:abc\nx:y:z")

    assert products == [
        ProductCredentials("1234", "widget-1234", "s3cr:et"),
        ProductCredentials("widget-wifi", "wifi-77", "abc"),
        ProductCredentials("x", "y", "z"),
    ]


@pytest.mark.parametrize("text", ["1234:client", "1234::secret", ":client:secret"])
def test_a_malformed_product_entry_names_the_variable_and_the_format(text):
    with pytest.raises(ConfigError, match="BFF_PARTICLE_PRODUCTS.*PRODUCT:CLIENT_ID:CLIENT_SECRET"):
        parse_products(text)


def test_the_client_secret_is_not_in_the_repr():
    assert "hunter2" not in repr(ProductCredentials("p", "c", "hunter2"))


def test_credentials_from_the_environment_mean_the_real_cloud(monkeypatch, tmp_path):
    monkeypatch.setenv("BFF_PARTICLE_PRODUCTS", "1234:widget-1234:secret")
    monkeypatch.setenv("BFF_PUBLIC_URL", "https://claim.example.com/")

    app = create_app(instance_path=str(tmp_path))

    assert app.config["SANDBOX_MODE"] is False
    assert app.config["PARTICLE_API_URL"] == "https://api.particle.io"
    assert app.config["PUBLIC_URL"] == "https://claim.example.com"
    assert app.config["PARTICLE_PRODUCTS"] == [ProductCredentials("1234", "widget-1234", "secret")]


def test_without_credentials_bff_is_in_sandbox_mode(monkeypatch, tmp_path):
    monkeypatch.delenv("BFF_PARTICLE_PRODUCTS", raising=False)

    app = create_app(instance_path=str(tmp_path))

    assert app.config["SANDBOX_MODE"] is True


def test_generated_secrets_are_kept_in_the_instance_folder_and_reused(tmp_path):
    first = create_app(instance_path=str(tmp_path))
    second = create_app(instance_path=str(tmp_path))

    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert first.config["LABEL_KEY"] == second.config["LABEL_KEY"]
    assert first.config["SECRET_KEY"] != first.config["LABEL_KEY"]
    assert (tmp_path / "label_key").stat().st_mode & 0o077 == 0
