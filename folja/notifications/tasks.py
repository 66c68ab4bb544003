"""Background delivery of notices (Django Tasks API): immediate messages and the digests."""

from __future__ import annotations

from django_tasks import task

from folja.notifications import delivery, digest


@task()
def deliver_notices(notice_ids: list[int]) -> dict[str, str]:
    """Send the notices that go out now; idempotent (the sent-log's keys), so a retry sends nothing twice."""
    return {str(k): v for k, v in delivery.deliver_notices(notice_ids).items()}


@task()
def send_digests(rhythm: str, shard: int = 0, shards: int = 1) -> dict[str, int]:
    """Compose and send the digests of one rhythm ("daily", "weekly") for one shard of the recipients."""
    return digest.send_digests(rhythm, shard=shard, shards=shards)
