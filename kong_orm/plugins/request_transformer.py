"""request-transformer: remove, replace, add and append request body fields, headers and query arguments."""
from kong_orm.plugins.registry import Plugin
from kong_orm.plugins.transformers import actions_schema

PLUGIN = Plugin(name="request-transformer", config=actions_schema("body", "headers", "querystring"))
