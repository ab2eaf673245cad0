"""file-log: append request and response logs to a file on the gateway's host.

Kong 0.8 meant to check that the file can be created by running ``touch`` on
the path, but its test could never fail, so every path was accepted. kong_orm
accepts every path too and touches nothing: the data layer does not run on the
gateway's host, so a file it could create proves nothing there.
"""
from kong_orm.plugins.registry import Plugin
from kong_orm.schema.entity import Schema
from kong_orm.schema.fields import Field, Kind

PLUGIN = Plugin(name="file-log", config=Schema(fields=(Field("path", Kind.STRING, required=True),)))
