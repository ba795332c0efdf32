"""The organisation at the bottom of the house: the kernel every package uses (rental.kernel),
the centres, the people (members, accounts, roles) and their money (fees, ledger, receipts)."""

import os

# Piccolo resolves every table's engine from the composition root's configuration when a table
# class is defined; this only names the module, it does not import it.
os.environ.setdefault("PICCOLO_CONF", "toollib.piccolo_conf")
