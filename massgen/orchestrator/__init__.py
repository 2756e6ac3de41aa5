"""MassGen's multi-agent coordination: answer, vote, present.

``Coordinator(participants, settings, sink).run(question)`` runs one coordination and returns the final
answer (also emitted as the run's ``final`` event). Imported only by the multi-agent run path.
"""

from .coordinator import CoordinationError, CoordinationResult, Coordinator
from .participant import Participant
from .settings import CoordinationSettings

__all__ = ["CoordinationError", "CoordinationResult", "CoordinationSettings", "Coordinator", "Participant"]
