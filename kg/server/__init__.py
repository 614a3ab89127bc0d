"""``kg serve``: the graph behind a SPARQL 1.1 Protocol endpoint, a REST API and a web UI.

Modules, one concern each:

* :mod:`kg.server.settings` — limits and switches, and the dataset the server publishes;
* :mod:`kg.server.sparql_text` — the little lexing the server needs (update? SERVICE?);
* :mod:`kg.server.protocol` — formats, content negotiation, reading protocol requests;
* :mod:`kg.server.workers` — queries, named queries and page lookups in killable worker
  processes (timeouts, size caps);
* :mod:`kg.server.app` — the HTTP application (Starlette): endpoint, API, security headers;
* :mod:`kg.server.views` — the HTML pages; :mod:`kg.server.entity` — an entity's facts;
* :mod:`kg.server.timeline` — the actions between two actors, as rows and as SVG;
* :mod:`kg.server.offloop` — blocking library calls run off the event loop;
* :mod:`kg.server.runner` — binding a socket and running the server (uvicorn).
"""
