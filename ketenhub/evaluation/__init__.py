"""The annual evaluation, computed purely from sealed events: five parts of tables of figures."""

from ketenhub.evaluation.annual import (
    PARTS,
    Evaluation,
    InvalidEvaluationRequest,
    evaluate,
    evaluate_events,
    history_for,
)
from ketenhub.evaluation.history import History
from ketenhub.evaluation.period import Period
from ketenhub.evaluation.settings import EvaluationSettings
from ketenhub.evaluation.tables import Figure, Table, Unit, exact, published

__all__ = [
    "PARTS",
    "Evaluation",
    "EvaluationSettings",
    "Figure",
    "History",
    "InvalidEvaluationRequest",
    "Period",
    "Table",
    "Unit",
    "evaluate",
    "evaluate_events",
    "exact",
    "history_for",
    "published",
]
