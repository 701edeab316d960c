"""An aws-type Airflow Connection becomes s3fs's options (the production profile's store keys)."""

from __future__ import annotations

from transforms.airflow_support import s3_storage_options


def test_login_password_endpoint_and_region_become_s3fs_options() -> None:
    extra = {"endpoint_url": "http://127.0.0.1:18333", "region_name": "us-east-1"}
    assert s3_storage_options("AKIA", "s3cr3t", extra) == {
        "key": "AKIA",
        "secret": "s3cr3t",
        "endpoint_url": "http://127.0.0.1:18333",
        "client_kwargs": {"region_name": "us-east-1"},
    }


def test_the_amazon_providers_service_config_endpoint_is_understood() -> None:
    extra = {"service_config": {"s3": {"endpoint_url": "https://minio.internal:9000"}}}
    assert s3_storage_options(None, None, extra) == {"endpoint_url": "https://minio.internal:9000"}


def test_a_connection_without_keys_leaves_them_to_s3fs_own_lookup() -> None:
    assert s3_storage_options("", None, {}) == {}
