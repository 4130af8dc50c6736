"""Probability maps of where the subject is: the POA grid, models, and MapScore evaluation.

from carpathia.probability import ProbabilityMap, travel_time, rings, evaluate
"""

from .cases import Case, load_cases
from .evaluate import Evaluation, evaluate
from .models import MODELS, get_model, mattson, mixture, register_model, rings, travel_time
from .probmap import CONTAINMENT_LEVELS, ProbabilityMap
from .scoring import bootstrap_ci, containment, log_score, rank_score

__all__ = [
    "CONTAINMENT_LEVELS",
    "MODELS",
    "Case",
    "Evaluation",
    "ProbabilityMap",
    "bootstrap_ci",
    "containment",
    "evaluate",
    "get_model",
    "load_cases",
    "log_score",
    "mattson",
    "mixture",
    "rank_score",
    "register_model",
    "rings",
    "travel_time",
]
