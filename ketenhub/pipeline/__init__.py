"""The application pipeline: the one place that turns inputs into typed effects for both runtimes.

``SealingStep.decide`` turns ingested messages into appends to audit.log, rejected.<p> and
audit.checkpoints plus the input positions to commit; ``ViewStep.project`` turns sealed
records into appends to view.<p>. A runtime only reads inputs, calls a step and commits the
effects atomically with the input position through an ``Outbox``.
"""
