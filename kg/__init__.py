"""diplo-kg: a knowledge graph of states, alliances, diplomatic missions and actions.

The library is a set of functions from inputs to new values: :func:`kg.pipeline.load_project`,
:func:`kg.pipeline.validate`, :func:`kg.pipeline.with_inferences`,
:func:`kg.queries.run_named_query`, :func:`kg.export.export` and :func:`kg.build.build`.
"""

__version__ = "0.1.0"
