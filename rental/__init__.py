"""Who and money: members, accounts, fees and ledger; also the kernel (settings, app, CLI, i18n)."""

import os

# Piccolo resolves every table's engine from this module when the table class is defined.
os.environ.setdefault("PICCOLO_CONF", "rental.piccolo_conf")
