"""The loopback protocol server as a fixture for every test here (``protocol_server``)."""

from tests.protocol_server import protocol_server  # noqa: F401
