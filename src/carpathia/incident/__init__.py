"""The incident: who is missing, from where, since when. (The stored workspace comes with issue 7.)"""

from .model import Incident

__all__ = ["Incident"]
