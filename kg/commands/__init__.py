"""The ``kg`` sub-commands, one module per concern; each exposes ``COMMANDS``."""
