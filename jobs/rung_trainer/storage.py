"""Where a trial's checkpoint folder lives: a local folder (file://) or an S3 prefix (s3://).

Each write is atomic: a temporary file renamed over the old one locally, a single PutObject on S3.
A job killed mid-write therefore leaves the previous good checkpoint behind.

On AWS a trial's job reaches its checkpoint through short-lived URLs that the rung API signs for
its own trial only (``ApiStore``): the job role has no access to the artifact bucket, so one
trial's code cannot read or overwrite another's checkpoint, nor another team's.
"""
from __future__ import annotations

import os
import tempfile
import urllib.error
import urllib.request
from typing import Optional
from urllib.parse import unquote, urlparse

from .contract import JobContractError


class FolderStore:
    def __init__(self, path: str):
        self.path = path

    def read(self, name: str) -> Optional[bytes]:
        try:
            with open(os.path.join(self.path, name), "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def write(self, name: str, data: bytes) -> None:
        os.makedirs(self.path, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, os.path.join(self.path, name))
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def uri(self, name: str) -> str:
        return "file://" + os.path.join(self.path, name)


class S3Store:
    def __init__(self, bucket: str, prefix: str):
        try:
            import boto3  # optional: only jobs on AWS need it, and the job image has it
        except ImportError as e:
            raise JobContractError("s3:// checkpoints need boto3 in the job image") from e
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.s3 = boto3.client("s3")

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def read(self, name: str) -> Optional[bytes]:
        try:
            return self.s3.get_object(Bucket=self.bucket, Key=self._key(name))["Body"].read()
        except self.s3.exceptions.NoSuchKey:
            return None

    def write(self, name: str, data: bytes) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=self._key(name), Body=data)

    def uri(self, name: str) -> str:
        return f"s3://{self.bucket}/{self._key(name)}"


class ApiStore:
    """The trial's own checkpoint folder through URLs the API signs (POST .../checkpoint-url)."""

    def __init__(self, api, uri: str, timeout: float = 300.0):
        self.api = api
        self.folder = uri.rstrip("/")
        self.timeout = timeout

    def read(self, name: str) -> Optional[bytes]:
        request = urllib.request.Request(self.api.checkpoint_url(name, "GET"), method="GET")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as e:
            # 404: no such object (the signer may list the bucket, so S3 says so). A 403 (an expired
            # URL, a clock off) must not pass for "no checkpoint": the slice would start over.
            if e.code == 404:
                return None
            raise

    def write(self, name: str, data: bytes) -> None:
        request = urllib.request.Request(self.api.checkpoint_url(name, "PUT"), data=data, method="PUT")
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            response.read()

    def uri(self, name: str) -> str:
        return f"{self.folder}/{name}"


def store_for(uri: str, api=None):
    """The store of a folder URI; with ``api`` (the trial's ApiClient), an s3:// folder is reached through signed URLs."""
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return FolderStore(unquote(parsed.path))
    if parsed.scheme == "s3":
        return ApiStore(api, uri) if api is not None else S3Store(parsed.netloc, parsed.path)
    raise JobContractError(f"unsupported checkpoint URI {uri}: expected file:// or s3://")


def read_uri(uri: str) -> bytes:
    """Reads one object by URI (a genotype or a result file that another trial wrote)."""
    folder, _, name = uri.rstrip("/").rpartition("/")
    data = store_for(folder).read(name)
    if data is None:
        raise JobContractError(f"nothing at {uri}")
    return data
