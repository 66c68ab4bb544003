"""A mail backend for the notices benchmark: renders each message to bytes, counts it, keeps nothing."""

from __future__ import annotations

from django.core.mail.backends.base import BaseEmailBackend


class CountingBackend(BaseEmailBackend):
    sent = 0
    bytes = 0

    def send_messages(self, email_messages) -> int:  # noqa: ANN001
        for message in email_messages:
            CountingBackend.bytes += len(message.message().as_bytes())
        CountingBackend.sent += len(email_messages)
        return len(email_messages)
