"""The ``kg`` sub-commands, one module per concern; each exposes ``COMMANDS``."""

# Which module defines each command, so that ``kg`` imports only the one it runs; a test keeps
# this equal to the ``COMMANDS`` the modules define.
COMMAND_MODULES = {
    "build": "build", "validate": "build", "export": "export", "push": "export",
    "generate": "generate", "link": "link", "queries": "query", "query": "query",
    "serve": "serve", "timeline": "timeline",
}
