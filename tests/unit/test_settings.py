from pipeline.settings import Settings, masked, topic
from schemas import Topic


def test_nested_environment_variables(monkeypatch):
    monkeypatch.setenv("LUISTER_KAFKA__BOOTSTRAP_SERVERS", "broker-1:9092,broker-2:9092")
    monkeypatch.setenv("LUISTER_KAFKA__TOPIC_PREFIX", "acme.")
    monkeypatch.setenv("LUISTER_SEARCH__ENGINE", "elasticsearch")
    settings = Settings(_env_file=None)
    assert settings.kafka.bootstrap_servers == "broker-1:9092,broker-2:9092"
    assert settings.search.engine == "elasticsearch"
    assert topic(settings, Topic.RAW) == "acme.posts.raw"


def test_secrets_are_masked(monkeypatch):
    monkeypatch.setenv("LUISTER_SEARCH__PASSWORD", "hunter2")
    settings = Settings(_env_file=None)
    assert settings.search.password.get_secret_value() == "hunter2"
    assert "hunter2" not in str(masked(settings)) and "hunter2" not in repr(settings)


def test_every_setting_is_described():
    def undescribed(model, path=""):
        for name, field in model.model_fields.items():
            if not field.description:
                yield path + name
            annotation = field.annotation
            if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
                yield from undescribed(annotation, f"{path}{name}.")

    assert list(undescribed(Settings)) == []
