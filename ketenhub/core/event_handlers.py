"""The handlers of one fold of the event vocabulary: one per event class, typed for that class.

A fold (the ledger, validation, the evaluation's history) registers a handler for each event
class it uses and names every other class it leaves alone, with the reason. mypy checks that
each handler takes the class it is registered for; a test checks that every class of the
contract is either handled or left alone on purpose in every fold.

The event is the handler's first argument (as with ``functools.singledispatch``); the rest
are the fold's own arguments (``P``), the same for every handler of the fold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Concatenate, Generic, Never, ParamSpec, TypeVar, cast

from ketenhub.contract.base import Event
from ketenhub.errors import ContractError

P = ParamSpec("P")
R = TypeVar("R")
E = TypeVar("E", bound=Event)


class EventHandlers(Generic[P, R]):
    """Handlers by exact event class, each taking that class; and the classes left alone, with why."""

    def __init__(self, fold: str) -> None:
        self.fold = fold
        self._handlers: dict[type[Event], Callable[Concatenate[Never, P], R]] = {}
        self._left_alone: dict[type[Event], str] = {}

    def on(
        self, event_type: type[E]
    ) -> Callable[[Callable[Concatenate[E, P], R]], Callable[Concatenate[E, P], R]]:
        """Register the decorated function as the handler of ``event_type``."""

        def register(handler: Callable[Concatenate[E, P], R]) -> Callable[Concatenate[E, P], R]:
            self.add(event_type, handler)
            return handler

        return register

    def add(self, event_type: type[E], handler: Callable[Concatenate[E, P], R]) -> None:
        """Register ``handler`` for events of exactly ``event_type``."""
        self._claim(event_type)
        self._handlers[event_type] = handler

    def leave_alone(self, reason: str, *event_types: type[Event]) -> None:
        """Declare that this fold does nothing with ``event_types``, and why."""
        if not reason.strip():
            msg = f"the {self.fold} must say why it leaves {event_types} alone"
            raise ContractError(msg)
        for event_type in event_types:
            self._claim(event_type)
            self._left_alone[event_type] = reason

    def of(self, event: E) -> Callable[Concatenate[E, P], R] | None:
        """The handler of ``event``'s class, or None when this fold leaves the class alone."""
        handler = self._handlers.get(type(event))
        # Sound: ``add`` pairs each class only with a handler that takes that class.
        return cast("Callable[Concatenate[E, P], R] | None", handler)

    @property
    def handled(self) -> frozenset[type[Event]]:
        """The event classes this fold has a handler for."""
        return frozenset(self._handlers)

    @property
    def left_alone(self) -> Mapping[type[Event], str]:
        """The event classes this fold does nothing with, each with the reason."""
        return dict(self._left_alone)

    def _claim(self, event_type: type[Event]) -> None:
        if event_type in self._handlers or event_type in self._left_alone:
            msg = f"the {self.fold} already places {event_type.__name__}; name each class once"
            raise ContractError(msg)
