"""S3 object storage for tests: moto's server on 127.0.0.1 and the storage settings Följa uses for s3."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import boto3
from moto.server import ThreadedMotoServer

REGION = "eu-north-1"
KEY_ID, SECRET = "test-access-key", "test-secret-key"  # moto accepts any; nothing real


def s3_client(endpoint: str):  # noqa: ANN201
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET
    )


@contextmanager
def moto_bucket(bucket: str) -> Iterator[str]:
    """Start moto's S3 server on loopback on a free port with a private bucket; yield its endpoint."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    s3_client(endpoint).create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    try:
        yield endpoint
    finally:
        server.stop()


def use_s3_storage(settings, endpoint: str, bucket: str) -> None:  # noqa: ANN001
    """Point the default storage at the bucket with the options config/settings.py uses for s3."""
    settings.FOLJA_MEDIA_STORAGE = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": endpoint,
                "region_name": REGION,
                "access_key": KEY_ID,
                "secret_key": SECRET,
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 60,
                "file_overwrite": False,
            },
        },
    }
