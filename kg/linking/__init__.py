"""Linking to Wikidata: reconcile unlinked actors, check existing links, keep provenance.

One concept per module:

- :mod:`kg.linking.vocabulary`: Wikidata's namespaces and the classes each of our actor
  classes may match (every QID cited to where it was verified);
- :mod:`kg.linking.client`: a polite SPARQL 1.1 Protocol client (User-Agent, timeouts,
  retries honouring ``Retry-After``) with an on-disk cache;
- :mod:`kg.linking.actors`: the actors of a loaded dataset, their labels, types and links;
- :mod:`kg.linking.reconcile`: batched candidate queries, scoring and the decision;
- :mod:`kg.linking.records`: the review file and the reconciled links file with provenance;
- :mod:`kg.linking.check`: existing links and membership dates compared with Wikidata.

Nothing here prints or reads the environment; :mod:`kg.commands.link` does.
"""
