"""response-transformer: remove, replace, add and append response JSON properties and headers."""
from kong_orm.plugins.registry import Plugin
from kong_orm.plugins.transformers import actions_schema

PLUGIN = Plugin(name="response-transformer", config=actions_schema("json", "headers"))
