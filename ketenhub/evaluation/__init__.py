"""The annual evaluation, computed purely from sealed events: five parts of tables of figures."""

from ketenhub.evaluation.annual import (
    PARTS,
    Evaluation,
    InvalidEvaluationRequest,
    Trend,
    evaluate,
    evaluate_events,
    evaluate_years,
    history_for,
    history_for_years,
)
from ketenhub.evaluation.history import History
from ketenhub.evaluation.indicators import Indicator
from ketenhub.evaluation.period import Period
from ketenhub.evaluation.settings import EvaluationSettings
from ketenhub.evaluation.suppression import Hidden, PublishedTable, publish
from ketenhub.evaluation.tables import ALL, Figure, Table, Unit, exact, published

__all__ = [
    "ALL",
    "PARTS",
    "Evaluation",
    "EvaluationSettings",
    "Figure",
    "Hidden",
    "History",
    "Indicator",
    "InvalidEvaluationRequest",
    "Period",
    "PublishedTable",
    "Table",
    "Trend",
    "Unit",
    "evaluate",
    "evaluate_events",
    "evaluate_years",
    "exact",
    "history_for",
    "history_for_years",
    "publish",
    "published",
]
