"""``python -m kong_orm``: the ``kong-orm`` command, where console scripts are not on the PATH."""
import sys

from kong_orm.cli import main

sys.exit(main())
