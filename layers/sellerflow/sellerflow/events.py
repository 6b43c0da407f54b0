"""Parsing a Lambda event into its typed input, with an error that names fields, never values."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sellerflow.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)


def parse_event(model: type[M], event: Any) -> M:
    try:
        return model.model_validate(event)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(event)'}: {e['msg']}"
            for e in exc.errors(include_input=False)
        )
        raise InvalidInput(f"{model.__name__} event is invalid: {problems}") from None
