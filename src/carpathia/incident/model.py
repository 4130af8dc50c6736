"""Re-export of :mod:`carpathia.subjects.incident`: the incident record lives below the models.

``from carpathia.incident import Incident`` and ``from carpathia.incident.model import Incident``
keep working; new code inside the library imports it from :mod:`carpathia.subjects`.
"""

from carpathia.subjects.incident import EcoRegion, Incident, TerrainClass

__all__ = ["EcoRegion", "Incident", "TerrainClass"]
