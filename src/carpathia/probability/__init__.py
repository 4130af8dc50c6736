"""Probability maps of where the subject is: models, Bayes updates and MapScore evaluation."""

__all__: list[str] = []
