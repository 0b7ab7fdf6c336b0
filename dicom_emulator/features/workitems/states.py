"""A workitem's Procedure Step State and the transitions between states (PS3.4 Table CC.1.1-2).

SCHEDULED → IN PROGRESS (a claim, with a new Transaction UID) → COMPLETED or CANCELED;
a SCHEDULED workitem may also be canceled by request. The final states are final. Each
attempt is looked up in :func:`transition`, which answers the state reached, or the
standard's error or warning code (``ProcedureStepStateExtensions.cs``). The "matching
Transaction UID" flag is the caller's: a claim of an unclaimed workitem counts as one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from pydicom.dataset import Dataset

__all__ = ["Action", "State", "Transition", "state_of", "transition"]


class State(Enum):
    """The value of ProcedureStepState (0074,1000); NONE for no or an unknown value."""

    NONE = ""
    SCHEDULED = "SCHEDULED"
    IN_PROGRESS = "IN PROGRESS"
    COMPLETED = "COMPLETED"
    CANCELED = "CANCELED"

    @classmethod
    def parse(cls, text: str | None) -> State:
        """The state ``text`` names, in any case (``GetProcedureStepState``)."""
        wanted = (text or "").strip().upper()
        return next((s for s in cls if s.value == wanted and wanted), cls.NONE)

    @property
    def final(self) -> bool:
        return self in (State.COMPLETED, State.CANCELED)


def state_of(ds: Dataset) -> State:
    value = ds.get("ProcedureStepState")
    return State.parse(str(value) if value is not None else None)


class Action(Enum):
    """What a request asks of a workitem's state."""

    TO_IN_PROGRESS = "claim"
    TO_COMPLETED = "complete"
    TO_CANCELED = "cancel"  # by its performer, who holds the Transaction UID
    REQUEST_CANCEL = "request cancellation"  # by anyone


@dataclass(frozen=True)
class Transition:
    """The state reached (NONE if refused), and the standard's code: an error code when
    ``is_error``, else a warning code (or none) for a request that changes nothing."""

    state: State
    code: str = ""
    is_error: bool = False

    @property
    def warning(self) -> bool:
        return not self.is_error and bool(self.code)


def _refused(code: str) -> Transition:
    return Transition(State.NONE, code, is_error=True)


_S, _P, _C, _X = State.SCHEDULED, State.IN_PROGRESS, State.COMPLETED, State.CANCELED
# (action, current state) → (with the matching Transaction UID, without it); one value
# where the Transaction UID plays no part. C301: wrong Transaction UID; C302: already
# claimed; C300: in a final state; C310: not claimed; C311/C312: a cancellation request
# for a completed or a claimed workitem; B304/B306: already canceled/completed; C307: no
# such workitem.
_TABLE: dict[tuple[Action, State], tuple[Transition, Transition] | Transition] = {
    (Action.TO_IN_PROGRESS, _S): (Transition(_P), _refused("C301")),
    (Action.TO_IN_PROGRESS, _P): (_refused("C302"), _refused("C301")),
    (Action.TO_IN_PROGRESS, _C): (_refused("C300"), _refused("C301")),
    (Action.TO_IN_PROGRESS, _X): (_refused("C300"), _refused("C301")),
    (Action.TO_COMPLETED, _S): (_refused("C310"), _refused("C301")),
    (Action.TO_COMPLETED, _P): (Transition(_C), _refused("C301")),
    (Action.TO_COMPLETED, _C): (Transition(State.NONE, "B306"), _refused("C301")),
    (Action.TO_COMPLETED, _X): (_refused("C300"), _refused("C301")),
    (Action.TO_CANCELED, _S): (_refused("C310"), _refused("C301")),
    # The service answers NONE here and then sets the state the request names: CANCELED.
    (Action.TO_CANCELED, _P): (Transition(State.NONE), _refused("C301")),
    (Action.TO_CANCELED, _C): (_refused("C300"), _refused("C301")),
    (Action.TO_CANCELED, _X): (Transition(State.NONE, "B304"), _refused("C301")),
    (Action.REQUEST_CANCEL, _S): Transition(_X),
    # C312: the service cannot tell the performer of a claimed workitem about the request.
    (Action.REQUEST_CANCEL, _P): _refused("C312"),
    (Action.REQUEST_CANCEL, _C): _refused("C311"),
    (Action.REQUEST_CANCEL, _X): Transition(State.NONE, "B304"),
}


def transition(current: State, action: Action, matching_transaction_uid: bool = True) -> Transition:
    """What ``action`` on a workitem in state ``current`` leads to."""
    if current is State.NONE:
        return _refused("C307")
    found = _TABLE[(action, current)]
    if isinstance(found, Transition):
        return found
    return found[0] if matching_transaction_uid else found[1]
