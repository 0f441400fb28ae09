from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from engine.errors import InvalidRequest, ProcessEngineException
from engine.variables import (
    TypedValue,
    UnsupportedValueType,
    decode,
    encode,
    from_dto,
    from_python,
    matches,
    parse_variables,
    to_dto,
    to_python,
)

INT_MAX, INT_MIN = 2**31 - 1, -(2**31)
LONG_MAX, LONG_MIN = 2**63 - 1, -(2**63)


def typed(dto: dict) -> TypedValue:
    return from_dto(dto, name="var")


def conversion_error(dto: dict) -> str:
    with pytest.raises(InvalidRequest) as info:
        typed(dto)
    return info.value.message


# ----------------------------------------------------------------- untyped inference

def test_untyped_string_is_string():
    assert typed({"value": "a"}) == TypedValue("String", "a", {})


def test_untyped_boolean_is_boolean():
    assert typed({"value": True}) == TypedValue("Boolean", True, {})


def test_untyped_small_integer_is_integer():
    assert typed({"value": INT_MAX}) == TypedValue("Integer", INT_MAX, {})


def test_untyped_integer_beyond_32_bits_is_long():
    assert typed({"value": INT_MAX + 1}) == TypedValue("Long", INT_MAX + 1, {})
    assert typed({"value": INT_MIN - 1}).type == "Long"


def test_untyped_integer_beyond_64_bits_is_kept_as_json_big_integer_object():
    tv = typed({"value": LONG_MAX + 1})
    assert tv.type == "Object" and tv.value_info["objectTypeName"] == "java.math.BigInteger"
    assert to_python(tv) == LONG_MAX + 1


def test_untyped_fraction_is_double():
    assert typed({"value": 1.5}) == TypedValue("Double", 1.5, {})


def test_untyped_null_and_missing_value_are_null():
    assert typed({"value": None}) == TypedValue("Null", None, {})
    assert typed({}) == TypedValue("Null", None, {})


def test_untyped_object_is_json_serialized_linked_hash_map_object():
    tv = typed({"value": {"a": [1, "ü"]}})
    assert tv == TypedValue(
        "Object",
        '{"a":[1,"ü"]}',
        {"objectTypeName": "java.util.LinkedHashMap",
         "serializationDataFormat": "application/json"},
    )


def test_untyped_array_is_json_serialized_array_list_object():
    tv = typed({"value": [1, 2]})
    assert tv.type == "Object" and tv.value == "[1,2]"
    assert tv.value_info["objectTypeName"] == "java.util.ArrayList"


def test_untyped_object_reads_back_as_structure_when_deserialized():
    assert to_dto(typed({"value": {"a": 1}}))["value"] == {"a": 1}


def test_untyped_value_honours_boolean_transient_flag():
    assert typed({"value": "a", "valueInfo": {"transient": True}}).transient is True


def test_untyped_value_ignores_non_boolean_transient_flag():
    assert typed({"value": "a", "valueInfo": {"transient": "yes"}}).transient is False


# ----------------------------------------------------------------- type names

@pytest.mark.parametrize("name", ["String", "string"])
def test_type_name_matches_with_either_case_of_first_letter(name):
    assert typed({"value": "a", "type": name}).type == "String"


def test_lowercase_json_type_name_is_json():
    assert typed({"value": "{}", "type": "json"}).type == "Json"


def test_type_name_matches_only_after_lowering_first_letter():
    with pytest.raises(UnsupportedValueType):
        typed({"value": "a", "type": "STRING"})


def test_unknown_type_is_unsupported_rest_exception():
    with pytest.raises(UnsupportedValueType) as info:
        typed({"value": "a", "type": "Foo"})
    assert info.value.message == "Unsupported value type 'Foo'"
    assert info.value.camunda_type == "RestException"
    assert isinstance(info.value, InvalidRequest)


def test_empty_type_name_is_unsupported():
    with pytest.raises(UnsupportedValueType):
        typed({"value": "a", "type": ""})


# ----------------------------------------------------------------- primitive coercion

def test_string_type_takes_text_of_numbers_and_booleans():
    assert typed({"value": 5, "type": "String"}).value == "5"
    assert typed({"value": True, "type": "String"}).value == "true"


def test_integer_type_reads_numeric_string():
    assert typed({"value": "42", "type": "Integer"}) == TypedValue("Integer", 42, {})


def test_integer_type_rejects_text_with_camunda_message():
    assert conversion_error({"value": "abc", "type": "Integer"}) == (
        "Cannot convert value 'abc' of type 'Integer' to java type java.lang.Integer"
    )


def test_integer_type_rejects_overflow():
    assert conversion_error({"value": INT_MAX + 1, "type": "Integer"}) == (
        f"Cannot convert value '{INT_MAX + 1}' of type 'Integer' to java type java.lang.Integer"
    )


def test_integer_type_rejects_fraction_with_java_double_text():
    assert conversion_error({"value": 1.5, "type": "Integer"}) == (
        "Cannot convert value '1.5' of type 'Integer' to java type java.lang.Integer"
    )
    assert "'1.0E10'" in conversion_error({"value": 1e10, "type": "Integer"})


def test_integer_type_rejects_boolean():
    assert "'true' of type 'Integer'" in conversion_error({"value": True, "type": "Integer"})


def test_short_type_accepts_its_range():
    assert typed({"value": -32768, "type": "Short"}).value == -32768
    assert typed({"value": "32767", "type": "Short"}).value == 32767


def test_short_type_rejects_overflow():
    assert conversion_error({"value": 32768, "type": "Short"}) == (
        "Cannot convert value '32768' of type 'Short' to java type java.lang.Short"
    )


def test_long_type_reads_numeric_string():
    assert typed({"value": str(LONG_MAX), "type": "Long"}).value == LONG_MAX


def test_long_type_widens_small_integers():
    assert typed({"value": 5, "type": "long"}) == TypedValue("Long", 5, {})


def test_long_type_rejects_overflow():
    assert "java.lang.Long" in conversion_error({"value": LONG_MAX + 1, "type": "Long"})


def test_double_type_widens_integers_and_reads_strings():
    assert typed({"value": 5, "type": "Double"}).value == 5.0
    assert typed({"value": "2.5e3", "type": "Double"}).value == 2500.0


def test_double_type_rejects_text():
    assert conversion_error({"value": "x", "type": "Double"}) == (
        "Cannot convert value 'x' of type 'Double' to java type java.lang.Double"
    )


def test_double_type_rejects_nan_which_json_cannot_carry():
    assert "java.lang.Double" in conversion_error({"value": "NaN", "type": "Double"})


@pytest.mark.parametrize(("text", "expected"), [("true", True), ("false", False), ("True", True)])
def test_boolean_type_reads_boolean_strings(text, expected):
    assert typed({"value": text, "type": "Boolean"}).value is expected


def test_boolean_type_rejects_other_text():
    assert conversion_error({"value": "yes", "type": "Boolean"}) == (
        "Cannot convert value 'yes' of type 'Boolean' to java type java.lang.Boolean"
    )


def test_boolean_type_rejects_numbers():
    assert "java.lang.Boolean" in conversion_error({"value": 1, "type": "Boolean"})


def test_empty_string_is_null_for_number_types():
    assert typed({"value": "", "type": "Integer"}) == TypedValue("Integer", None, {})


def test_typed_null_value_keeps_its_type():
    assert typed({"value": None, "type": "Integer"}) == TypedValue("Integer", None, {})


def test_date_type_parses_camunda_format():
    tv = typed({"value": "2026-01-25T13:33:42.165+0100", "type": "Date"})
    assert tv.value == datetime(2026, 1, 25, 12, 33, 42, 165_000, tzinfo=UTC)


def test_date_type_reads_js_client_iso_string():
    tv = typed({"value": "2024-05-01T10:00:00.000+0000", "type": "date"})
    assert tv.value == datetime(2024, 5, 1, 10, tzinfo=UTC)


def test_date_type_rejects_unparsable_text_with_camunda_message():
    assert conversion_error({"value": "tomorrow", "type": "Date"}) == (
        "Cannot convert value 'tomorrow' of type 'Date' to java type java.util.Date"
    )


def test_date_type_rejects_numbers():
    assert "java.util.Date" in conversion_error({"value": 1700000000000, "type": "Date"})


def test_date_type_takes_datetime_from_engine_callers():
    moment = datetime(2026, 1, 25, 13, 0, 0, 123_456, tzinfo=timezone(timedelta(hours=1)))
    assert typed({"value": moment, "type": "Date"}).value == datetime(
        2026, 1, 25, 12, 0, 0, 123_000, tzinfo=UTC)


def test_bytes_type_takes_bytes_from_engine_callers():
    assert typed({"value": b"\x00", "type": "Bytes"}).value == b"\x00"


def test_bytes_type_decodes_base64():
    assert typed({"value": "aGVsbG8=", "type": "Bytes"}).value == b"hello"


def test_bytes_type_rejects_invalid_base64():
    assert conversion_error({"value": "***", "type": "Bytes"}) == (
        "Cannot convert value '***' of type 'Bytes' to java type [B"
    )


def test_null_type_ignores_value():
    assert typed({"value": "x", "type": "Null"}) == TypedValue("Null", None, {})


def test_typed_value_honours_transient_flag():
    assert typed({"value": 1, "type": "Integer", "valueInfo": {"transient": True}}).transient


def test_typed_value_rejects_non_boolean_transient_flag():
    with pytest.raises(InvalidRequest) as info:
        typed({"value": 1, "type": "Integer", "valueInfo": {"transient": "true"}})
    assert info.value.message == "The property 'transient' should have a value of type 'boolean'."


def test_value_info_must_be_an_object():
    with pytest.raises(InvalidRequest):
        typed({"value": 1, "valueInfo": "x"})


# ----------------------------------------------------------------- serializable types

def test_json_type_keeps_serialized_text():
    assert typed({"value": '{"a":1}', "type": "Json"}) == TypedValue("Json", '{"a":1}', {})


def test_xml_type_keeps_serialized_text():
    assert typed({"value": "<a/>", "type": "Xml"}).value == "<a/>"


def test_serializable_type_requires_string_or_null_value():
    assert conversion_error({"value": {"a": 1}, "type": "Json"}) == (
        "Must provide 'null' or String value for value of SerializableValue type 'Json'."
    )


def test_serializable_type_message_uses_requested_spelling():
    assert "type 'object'." in conversion_error({"value": 1, "type": "object"})


def test_json_type_accepts_null():
    assert typed({"value": None, "type": "Json"}) == TypedValue("Json", None, {})


def test_object_type_keeps_type_name_and_format():
    info = {"objectTypeName": "com.acme.Order", "serializationDataFormat": "application/xml"}
    tv = typed({"value": "<order/>", "type": "Object", "valueInfo": info})
    assert tv == TypedValue("Object", "<order/>", info)


def test_object_type_defaults_format_to_json():
    tv = typed({"value": "{}", "type": "Object", "valueInfo": {"objectTypeName": "X"}})
    assert tv.value_info["serializationDataFormat"] == "application/json"


def test_object_type_requires_type_name_for_non_null_value():
    with pytest.raises(ProcessEngineException) as info:
        from_dto({"value": "{}", "type": "Object"}, name="order")
    assert info.value.message == (
        "Cannot write serialized value for variable 'order': "
        "no 'objectTypeName' provided for non-null value."
    )


# ----------------------------------------------------------------- files

def file_dto(**info) -> dict:
    return {"value": base64.b64encode(b"file \xff").decode(), "type": "File", "valueInfo": info}


def test_file_type_decodes_base64_content():
    tv = typed(file_dto(filename="a.bin"))
    assert tv == TypedValue("File", b"file \xff", {"filename": "a.bin"})


def test_file_type_reads_camel_case_mime_type_and_encoding():
    tv = typed(file_dto(filename="a.txt", mimeType="text/plain", encoding="UTF-8"))
    assert tv.value_info == {"filename": "a.txt", "mimeType": "text/plain", "encoding": "UTF-8"}


def test_file_type_accepts_js_client_lowercase_mimetype():
    tv = typed(file_dto(filename="a.txt", mimetype="text/csv"))
    assert tv.value_info["mimeType"] == "text/csv"


def test_file_type_requires_filename():
    with pytest.raises(InvalidRequest) as info:
        typed(file_dto())
    assert info.value.message.startswith("Cannot create file without filename!")


def test_file_type_tolerates_unpadded_base64():
    tv = typed({"value": "aGVsbG8", "type": "File", "valueInfo": {"filename": "f"}})
    assert tv.value == b"hello"


def test_file_value_is_null_in_dto():
    dto = to_dto(typed(file_dto(filename="a.txt", mimeType="text/plain")))
    assert dto == {"type": "File", "value": None,
                   "valueInfo": {"filename": "a.txt", "mimeType": "text/plain"}}


# ----------------------------------------------------------------- variables maps

def test_parse_variables_types_each_entry():
    dtos = {"a": {"value": 1}, "b": {"value": "x", "type": "String"}}
    parsed = parse_variables(dtos, context="c")
    assert parsed == {"a": TypedValue("Integer", 1, {}), "b": TypedValue("String", "x", {})}


def test_parse_variables_of_none_is_empty():
    assert parse_variables(None, context="c") == {}


def test_parse_variables_prefixes_errors_with_context():
    with pytest.raises(InvalidRequest) as info:
        parse_variables({"n": {"value": "abc", "type": "Integer"}},
                        context="Cannot instantiate process definition X")
    assert info.value.message == (
        "Cannot instantiate process definition X: "
        "Cannot convert value 'abc' of type 'Integer' to java type java.lang.Integer"
    )


def test_parse_variables_reports_unsupported_type_as_invalid_request():
    with pytest.raises(InvalidRequest) as info:
        parse_variables({"n": {"value": 1, "type": "Foo"}}, context="Cannot complete task 1")
    assert info.value.camunda_type == "InvalidRequestException"
    assert info.value.message == "Cannot complete task 1: Unsupported value type 'Foo'"


def test_parse_variables_prefixes_engine_errors():
    with pytest.raises(ProcessEngineException) as info:
        parse_variables({"o": {"value": "{}", "type": "Object"}}, context="Cannot complete task 1")
    assert info.value.message.startswith("Cannot complete task 1: Cannot write serialized value")


def test_parse_variables_rejects_non_object_map():
    with pytest.raises(InvalidRequest):
        parse_variables([{"value": 1}], context="c")  # type: ignore[arg-type]


@pytest.mark.parametrize("entry", [5, None, "x", [1]])
def test_parse_variables_rejects_non_object_entry(entry):
    with pytest.raises(InvalidRequest):
        parse_variables({"a": entry}, context="c")


# ----------------------------------------------------------------- output

def test_primitive_dto_has_empty_value_info():
    assert to_dto(TypedValue("Integer", 5, {})) == {"type": "Integer", "value": 5, "valueInfo": {}}


def test_date_dto_uses_camunda_format():
    tv = TypedValue("Date", datetime(2026, 1, 25, 13, 33, 42, 165_000, tzinfo=UTC), {})
    assert to_dto(tv)["value"] == "2026-01-25T13:33:42.165+0000"


def test_bytes_dto_is_base64():
    assert to_dto(TypedValue("Bytes", b"hello", {}))["value"] == "aGVsbG8="


def test_json_dto_is_serialized_text_even_when_deserializing():
    assert to_dto(TypedValue("Json", '{"a":1}', {}), deserialize=True) == {
        "type": "Json", "value": '{"a":1}', "valueInfo": {}}


def test_object_dto_is_structure_when_deserialized():
    tv = typed({"value": '{"a":1}', "type": "Object", "valueInfo": {"objectTypeName": "X"}})
    assert to_dto(tv)["value"] == {"a": 1}


def test_object_dto_is_text_when_not_deserialized():
    tv = typed({"value": '{"a":1}', "type": "Object", "valueInfo": {"objectTypeName": "X"}})
    assert to_dto(tv, deserialize=False)["value"] == '{"a":1}'
    assert to_dto(tv)["valueInfo"] == {"objectTypeName": "X",
                                       "serializationDataFormat": "application/json"}


def test_object_dto_of_non_json_format_stays_text():
    info = {"objectTypeName": "X",
            "serializationDataFormat": "application/x-java-serialized-object"}
    assert to_dto(TypedValue("Object", "rO0AB", info))["value"] == "rO0AB"


def test_transient_value_dto_says_so_in_value_info():
    assert to_dto(TypedValue("String", "a", {}, transient=True))["valueInfo"] == {"transient": True}


def test_dto_round_trips_through_from_dto():
    for tv in [TypedValue("Long", LONG_MIN, {}), TypedValue("Double", -0.5, {}),
               TypedValue("Boolean", False, {}), TypedValue("Bytes", b"\x00\xff", {}),
               TypedValue("Date", datetime(2020, 2, 29, 23, 59, 59, 1000, tzinfo=UTC), {})]:
        assert typed(to_dto(tv)) == tv


# ----------------------------------------------------------------- Python values

@pytest.mark.parametrize(
    ("value", "expected"),
    [("s", TypedValue("String", "s", {})), (True, TypedValue("Boolean", True, {})),
     (7, TypedValue("Integer", 7, {})), (LONG_MAX, TypedValue("Long", LONG_MAX, {})),
     (2.5, TypedValue("Double", 2.5, {})), (None, TypedValue("Null", None, {})),
     (b"\x01", TypedValue("Bytes", b"\x01", {}))],
)
def test_from_python_types_scalars(value, expected):
    assert from_python(value) == expected


def test_from_python_checks_bool_before_int():
    assert from_python(False).type == "Boolean"


def test_from_python_makes_aware_utc_ms_dates():
    tv = from_python(datetime(2026, 1, 25, 14, 0, 0, 123_456, tzinfo=timezone(timedelta(hours=1))))
    assert tv == TypedValue("Date", datetime(2026, 1, 25, 13, 0, 0, 123_000, tzinfo=UTC), {})


def test_from_python_takes_naive_datetime_as_utc():
    assert from_python(datetime(2026, 1, 25)).value == datetime(2026, 1, 25, tzinfo=UTC)


def test_from_python_turns_date_into_midnight_utc():
    assert from_python(date(2026, 1, 25)).value == datetime(2026, 1, 25, tzinfo=UTC)


def test_from_python_serializes_dicts_and_lists_as_compact_json():
    assert from_python({"a": [1, 2], "b": "ü"}) == TypedValue("Json", '{"a":[1,2],"b":"ü"}', {})
    assert from_python([1]).value == "[1]"


def test_from_python_passes_typed_values_through():
    tv = TypedValue("Short", 3, {})
    assert from_python(tv) is tv


def test_from_python_rejects_unknown_objects():
    with pytest.raises(ProcessEngineException):
        from_python(object())


def test_to_python_parses_json():
    assert to_python(TypedValue("Json", '{"a":[1]}', {})) == {"a": [1]}


def test_to_python_falls_back_to_text_for_broken_json():
    assert to_python(TypedValue("Json", "{broken", {})) == "{broken"


def test_to_python_parses_json_objects():
    tv = TypedValue("Object", "[1]", {"objectTypeName": "java.util.ArrayList",
                                      "serializationDataFormat": "application/json"})
    assert to_python(tv) == [1]


def test_to_python_keeps_xml_text():
    assert to_python(TypedValue("Xml", "<a/>", {})) == "<a/>"


def test_to_python_returns_stored_scalars():
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    assert to_python(TypedValue("Date", moment, {})) is moment


# ----------------------------------------------------------------- storage

ROUND_TRIP = [
    TypedValue("String", "unicode ✓ \U0001f600", {}),
    TypedValue("String", "", {}),
    TypedValue("String", None, {}),
    TypedValue("Boolean", True, {}),
    TypedValue("Boolean", False, {}),
    TypedValue("Short", -32768, {}),
    TypedValue("Integer", INT_MIN, {}),
    TypedValue("Long", LONG_MAX, {}),
    TypedValue("Long", LONG_MIN, {}),
    TypedValue("Long", None, {}),
    TypedValue("Double", 0.1, {}),
    TypedValue("Double", -0.0, {}),
    TypedValue("Double", 1e308, {}),
    TypedValue("Date", datetime(2026, 1, 25, 13, 33, 42, 165_000, tzinfo=UTC), {}),
    TypedValue("Date", datetime(1900, 1, 1, 0, 0, 0, 1000, tzinfo=UTC), {}),
    TypedValue("Null", None, {}),
    TypedValue("Json", '{"k":"ü"}', {}),
    TypedValue("Xml", "<a>ü</a>", {}),
    TypedValue("Object", '{"a":1}', {"objectTypeName": "java.util.LinkedHashMap",
                                     "serializationDataFormat": "application/json"}),
    TypedValue("Bytes", bytes(range(256)), {}),
    TypedValue("File", b"\x00PDF\xff", {"filename": "r.pdf", "mimeType": "application/pdf",
                                        "encoding": "binary"}),
]


@pytest.mark.parametrize("tv", ROUND_TRIP, ids=lambda tv: f"{tv.type}-{tv.value!r:.20}")
def test_storage_round_trip_is_lossless(tv):
    row = encode(tv)
    assert set(row) == {"type", "text_value", "long_value", "double_value", "bytes_value",
                        "value_info"}
    assert decode(row) == tv


def test_storage_round_trip_keeps_negative_zero_sign():
    assert str(decode(encode(TypedValue("Double", -0.0, {}))).value) == "-0.0"


def test_storage_row_puts_numbers_in_numeric_columns():
    assert encode(TypedValue("Integer", 5, {}))["long_value"] == 5
    assert encode(TypedValue("Double", 2.5, {}))["double_value"] == 2.5
    assert encode(TypedValue("Boolean", True, {}))["long_value"] == 1


def test_storage_row_stores_dates_as_epoch_millis():
    moment = datetime(1970, 1, 1, 0, 0, 1, 5000, tzinfo=UTC)
    assert encode(TypedValue("Date", moment, {}))["long_value"] == 1005


def test_storage_row_stores_value_info_as_json_text():
    row = encode(TypedValue("File", b"x", {"filename": "f"}))
    assert json.loads(row["value_info"]) == {"filename": "f"} and row["bytes_value"] == b"x"


def test_storage_does_not_keep_transience():
    assert decode(encode(TypedValue("String", "a", {}, transient=True))).transient is False


def test_decode_rejects_unknown_type():
    with pytest.raises(ProcessEngineException):
        decode({"type": "Nope"})


# ----------------------------------------------------------------- filters

def test_eq_matches_equal_string():
    assert matches(TypedValue("String", "a", {}), "eq", "a")
    assert not matches(TypedValue("String", "a", {}), "eq", "b")


def test_neq_matches_different_string():
    assert matches(TypedValue("String", "a", {}), "neq", "b")


def test_string_operand_does_not_match_number_variable():
    assert not matches(TypedValue("Integer", 5, {}), "eq", "5")


def test_number_operand_does_not_match_string_variable():
    assert not matches(TypedValue("String", "5", {}), "eq", 5)


def test_number_operand_matches_every_numeric_type():
    for tv in [TypedValue("Short", 5, {}), TypedValue("Integer", 5, {}),
               TypedValue("Long", 5, {}), TypedValue("Double", 5.0, {})]:
        assert matches(tv, "eq", 5) and matches(tv, "eq", 5.0)


@pytest.mark.parametrize(("operator", "operand", "expected"), [
    ("gt", 4, True), ("gt", 5, False), ("gteq", 5, True), ("lt", 6, True), ("lteq", 4, False),
    ("neq", 4, True), ("neq", 5, False),
])
def test_numeric_comparisons(operator, operand, expected):
    assert matches(TypedValue("Long", 5, {}), operator, operand) is expected


def test_fractional_operand_only_compares_with_doubles_as_in_camunda():
    assert matches(TypedValue("Double", 6.0, {}), "gt", 5.5)
    assert not matches(TypedValue("Integer", 6, {}), "gt", 5.5)


def test_number_operand_out_of_type_range_does_not_match():
    assert not matches(TypedValue("Short", 1, {}), "lt", 40000)
    assert matches(TypedValue("Long", 1, {}), "lt", 40000)


def test_boolean_operand_matches_boolean_variable():
    assert matches(TypedValue("Boolean", True, {}), "eq", True)
    assert not matches(TypedValue("Boolean", True, {}), "eq", False)
    assert not matches(TypedValue("String", "true", {}), "eq", True)


def test_boolean_does_not_equal_number_one():
    assert not matches(TypedValue("Integer", 1, {}), "eq", True)


def test_null_operand_eq_matches_null_values_of_any_type():
    assert matches(TypedValue("Null", None, {}), "eq", None)
    assert matches(TypedValue("String", None, {}), "eq", None)
    assert not matches(TypedValue("String", "", {}), "eq", None)


def test_null_operand_neq_matches_non_null_values():
    assert matches(TypedValue("String", "", {}), "neq", None)
    assert not matches(TypedValue("Null", None, {}), "neq", None)


def test_null_valued_variable_matches_no_value_comparison():
    assert not matches(TypedValue("Integer", None, {}), "neq", 5)


@pytest.mark.parametrize("operator", ["gt", "gteq", "lt", "lteq", "like"])
def test_booleans_and_null_cannot_be_ordered(operator):
    with pytest.raises(ProcessEngineException) as info:
        matches(TypedValue("Boolean", True, {}), operator, True)
    assert info.value.message.startswith("Booleans and null cannot be used in '")


def test_greater_than_message_names_the_operator():
    with pytest.raises(ProcessEngineException) as info:
        matches(TypedValue("Null", None, {}), "gteq", None)
    assert info.value.message == (
        "Booleans and null cannot be used in 'greater than or equal' condition"
    )


def test_unknown_operator_is_invalid_request():
    with pytest.raises(InvalidRequest) as info:
        matches(TypedValue("String", "a", {}), "contains", "a")
    assert info.value.message == "Invalid variable comparator specified: contains"


def test_object_operand_cannot_be_used_to_query():
    with pytest.raises(ProcessEngineException):
        matches(TypedValue("Json", "{}", {}), "eq", {})


def test_like_uses_sql_percent_wildcard():
    assert matches(TypedValue("String", "invoice-42", {}), "like", "invoice%")
    assert matches(TypedValue("String", "invoice-42", {}), "like", "%42")
    assert not matches(TypedValue("String", "invoice-42", {}), "like", "%43")


def test_like_uses_sql_underscore_wildcard():
    assert matches(TypedValue("String", "a1c", {}), "like", "a_c")
    assert not matches(TypedValue("String", "a12c", {}), "like", "a_c")


def test_like_treats_regex_characters_literally():
    assert matches(TypedValue("String", "a.b*", {}), "like", "a.b*")
    assert not matches(TypedValue("String", "axb", {}), "like", "a.b")


def test_like_backslash_escapes_wildcards():
    assert matches(TypedValue("String", "100%", {}), "like", "100\\%")
    assert not matches(TypedValue("String", "1000", {}), "like", "100\\%")


def test_like_is_case_sensitive_unless_ignore_case():
    assert not matches(TypedValue("String", "Invoice", {}), "like", "inv%")
    assert matches(TypedValue("String", "Invoice", {}), "like", "inv%", ignore_case=True)


def test_eq_ignore_case_for_strings():
    assert matches(TypedValue("String", "ABC", {}), "eq", "abc", ignore_case=True)


def test_like_never_matches_numbers():
    assert not matches(TypedValue("Integer", 5, {}), "like", "5")


def test_string_ordering_is_lexical():
    assert matches(TypedValue("String", "abc", {}), "gt", "ab")


def test_date_variable_compares_with_parsed_date_operand():
    tv = TypedValue("Date", datetime(2026, 1, 25, 12, 0, tzinfo=UTC), {})
    assert matches(tv, "eq", "2026-01-25T13:00:00.000+0100")
    assert matches(tv, "gt", "2026-01-25T11:59:59.999+0000")
    assert matches(tv, "lteq", "2026-01-25T12:00:00Z")
    assert not matches(tv, "lt", "2026-01-25T12:00:00.000+0000")


def test_date_variable_compares_with_datetime_operand():
    tv = TypedValue("Date", datetime(2026, 1, 25, 12, 0, tzinfo=UTC), {})
    assert matches(tv, "eq", datetime(2026, 1, 25, 12, 0))


def test_date_variable_does_not_match_non_date_string():
    assert not matches(TypedValue("Date", datetime(2026, 1, 1, tzinfo=UTC), {}), "neq", "x")


def test_date_looking_string_still_matches_string_variable_textually():
    text = "2026-01-25T13:00:00.000+0100"
    assert matches(TypedValue("String", text, {}), "eq", text)


def test_json_variable_does_not_match_string_operand():
    assert not matches(TypedValue("Json", '"a"', {}), "eq", '"a"')
