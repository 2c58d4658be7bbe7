"""Request filters as a precise schema: what the OpenAPI document promises is what is accepted."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictStr,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

# ISO 8601 text; casebook.filters checks that it parses, as for any other caller.
DateBound = Annotated[StrictStr, Field(json_schema_extra={"format": "date-time"})]


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected an integer")
    return value


# Integers JSON carries exactly (Qdrant stores 64 bits); 5.0 is an integer in JSON Schema.
Int64 = Annotated[int, Field(ge=-(2**53), le=2**53), BeforeValidator(_not_bool)]


class _Range(BaseModel):
    """Bounds are optional but never null."""

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(v is None for v in data.values()):
            raise ValueError("range bounds may be omitted but not null")
        return data


class NumberRange(_Range):
    """Numbers between bounds; give at least one of gte, lte, gt, lt."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    gte: Int64 | Annotated[StrictFloat, Field(allow_inf_nan=False)] | SkipJsonSchema[None] = None
    lte: Int64 | Annotated[StrictFloat, Field(allow_inf_nan=False)] | SkipJsonSchema[None] = None
    gt: Int64 | Annotated[StrictFloat, Field(allow_inf_nan=False)] | SkipJsonSchema[None] = None
    lt: Int64 | Annotated[StrictFloat, Field(allow_inf_nan=False)] | SkipJsonSchema[None] = None


class DateRange(_Range):
    """Dates between bounds (ISO 8601); give at least one of gte, lte, gt, lt."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    gte: DateBound | SkipJsonSchema[None] = None
    lte: DateBound | SkipJsonSchema[None] = None
    gt: DateBound | SkipJsonSchema[None] = None
    lt: DateBound | SkipJsonSchema[None] = None


class Exclusion(BaseModel):
    """Chunks whose field holds none of these values: `ne` one value, `not` a list (or both)."""

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, json_schema_extra={"minProperties": 1}
    )

    ne: StrictStr | Int64 | StrictBool | SkipJsonSchema[None] = None
    not_: (
        Annotated[list[StrictStr], Field(min_length=1)]
        | Annotated[list[Int64], Field(min_length=1)]
        | SkipJsonSchema[None]
    ) = Field(None, alias="not")

    @model_validator(mode="before")
    @classmethod
    def _some_value(cls, data: Any) -> Any:
        if isinstance(data, dict) and (not data or any(v is None for v in data.values())):
            raise ValueError("give ne (one value) or not (a list), not null")
        return data


FilterValue = (
    StrictStr
    | Int64
    | StrictBool
    | Annotated[list[StrictStr], Field(min_length=1)]
    | Annotated[list[Int64], Field(min_length=1)]
    | NumberRange
    | DateRange
    | Exclusion
)
# A payload field: kind, doc_id, source, title, section, or a metadata key (dots for nesting).
FilterKey = Annotated[str, Field(pattern=r"^(?!tenant$)[\w-]+(\.[\w-]+)*$", max_length=128)]
Filters = dict[FilterKey, FilterValue]
# Pydantic writes key patterns as patternProperties; this makes every other key invalid too.
FILTERS_SCHEMA: dict[str, Any] = {"additionalProperties": False}


def filters_json(filters: Filters) -> dict[str, Any]:
    """Filters as plain JSON values (ranges without their unset bounds, dates as ISO text)."""
    out: dict[str, Any] = {}
    for key, value in filters.items():
        if isinstance(value, BaseModel):
            out[key] = value.model_dump(mode="json", exclude_none=True, by_alias=True)
        else:
            out[key] = value
    return out
