"""A worker gives its freed memory back only when it answers nothing (rental.kernel.memory)."""

from __future__ import annotations

from rental.kernel import memory


async def test_a_trim_waits_for_the_worker_to_answer_nothing():
    idle = memory._Idle()
    idle.started()
    idle.started()
    idle.ended()
    assert idle.trim is None  # one request still being answered
    idle.ended()
    assert (idle.trim is not None) == (memory._LIBC is not None)
    idle.started()  # a request came before the trim: no trim while it is answered
    assert idle.trim is None
    idle.ended()
