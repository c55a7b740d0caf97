import pytest

from catalyst.domain.orders import OrderStatus as S
from catalyst.orders.state_machine import ORDER_TRANSITIONS, IllegalTransition, advance, can_transition, transition

TERMINAL = [S.FILLED, S.CANCELED, S.REJECTED, S.EXPIRED]


def test_table_covers_every_status():
    assert set(ORDER_TRANSITIONS) == set(S)


@pytest.mark.parametrize(("current", "new"), [
    (S.NEW, S.ACCEPTED), (S.ACCEPTED, S.PARTIALLY_FILLED), (S.PARTIALLY_FILLED, S.FILLED),
    (S.PARTIALLY_FILLED, S.PARTIALLY_FILLED), (S.ACCEPTED, S.CANCELED), (S.NEW, S.REJECTED),
    (S.ACCEPTED, S.EXPIRED), (S.NEW, S.FILLED), (S.PARTIALLY_FILLED, S.CANCELED),
])
def test_legal_transitions(current, new):
    assert transition(current, new) is new


@pytest.mark.parametrize("terminal", TERMINAL)
@pytest.mark.parametrize("new", list(S))
def test_terminal_states_have_no_way_out(terminal, new):
    with pytest.raises(IllegalTransition) as err:
        transition(terminal, new)
    assert err.value.status_code == 409
    assert err.value.details == {"from": terminal.value, "to": new.value}


@pytest.mark.parametrize(("current", "new"), [
    (S.ACCEPTED, S.NEW), (S.PARTIALLY_FILLED, S.ACCEPTED), (S.PARTIALLY_FILLED, S.NEW),
    (S.PARTIALLY_FILLED, S.REJECTED), (S.NEW, S.NEW), (S.ACCEPTED, S.ACCEPTED),
])
def test_backward_and_repeated_moves_are_refused(current, new):
    assert not can_transition(current, new)
    with pytest.raises(IllegalTransition):
        transition(current, new)


def test_advance_ignores_repeats_but_not_new_partial_fills():
    assert advance(S.ACCEPTED, S.ACCEPTED) is None
    assert advance(S.FILLED, S.FILLED) is None
    assert advance(S.PARTIALLY_FILLED, S.PARTIALLY_FILLED) is S.PARTIALLY_FILLED
    assert advance(S.NEW, S.FILLED) is S.FILLED
    with pytest.raises(IllegalTransition):
        advance(S.CANCELED, S.FILLED)
