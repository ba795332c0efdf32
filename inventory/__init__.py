"""What we lend: centres, categories, skills, tool types and their units."""

import os

# Piccolo resolves every table's engine when the table class is defined; the conf lives in the
# composition root. This only names a module, it does not import it.
os.environ.setdefault("PICCOLO_CONF", "rental.piccolo_conf")
