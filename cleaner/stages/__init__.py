"""Stages: each module holds one stage, a pure function of a :class:`~cleaner.document.Document`.

A stage is built once from its options (compiled rules, matchers, clients) and is then a pure
callable. The registry in :mod:`cleaner.registry` maps stage names to their factories and
defines the :class:`~cleaner.registry.Stage` protocol they all follow.
"""
