"""datadog: send request metrics to a Datadog agent (the statsd config, as in Kong 0.8)."""
from kong_orm.plugins import statsd
from kong_orm.plugins.registry import Plugin

PLUGIN = Plugin(name="datadog", config=statsd.CONFIG)
