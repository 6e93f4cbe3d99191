"""Create Luister's topics with the configured partitions (safe to repeat)."""

from __future__ import annotations

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from pipeline.settings import Settings, topic
from schemas import Topic

# Dead letters and alerts are few; one partition keeps them in order for people reading them.
_SINGLE_PARTITION = {Topic.DEAD, Topic.ALERTS}


def ensure_topics(settings: Settings) -> list[str]:
    """Create every Luister topic that does not exist yet; returns all names."""
    names = {t: topic(settings, t) for t in Topic}
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka.bootstrap_servers, client_id="luister-admin")
    try:
        existing = set(admin.list_topics())
        wanted = [
            NewTopic(
                name=name,
                num_partitions=1 if t in _SINGLE_PARTITION else settings.kafka.partitions,
                replication_factor=settings.kafka.replication_factor,
            )
            for t, name in names.items()
            if name not in existing
        ]
        if wanted:
            try:
                admin.create_topics(wanted)
            except TopicAlreadyExistsError:
                pass  # another process created it between list and create
    finally:
        admin.close()
    return list(names.values())
