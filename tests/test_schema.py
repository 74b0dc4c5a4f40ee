"""The message schema, property-based: whatever the bytes, parsing raises only SchemaError (or ServiceError for an
error reply), and whatever it accepts is exactly what was sent."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from host import schema

SIZE = 8  # small scans keep the examples fast; the checks do not depend on the size

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)
NEAR_VALID = st.lists(st.sampled_from([SIZE, float(SIZE), 2, 2.0, True, str(SIZE), -SIZE, 0, 2**64]), max_size=4) | (
    st.sampled_from(['float32', 'float64', '<f4', 'complete', 'ping', schema.SCHEMA, schema.VERSION, 2.0, True, 'été'])
)
FIELDS = st.sampled_from(['schema', 'version', 'kind', 'scan_id', 'shape', 'dtype', 'error', 'extra'])


@st.composite
def partial_scans(draw, size: int = SIZE) -> np.ndarray:
    """A valid partial scan: values in [-1, 1] where the 0/1 mask has probes (at least one), 0 elsewhere."""
    mask = np.array(draw(st.lists(st.booleans(), min_size=size * size, max_size=size * size)), bool).reshape(size, size)
    mask[draw(st.integers(0, size - 1)), draw(st.integers(0, size - 1))] = True
    values = draw(st.lists(st.floats(-1, 1, width=32), min_size=size * size, max_size=size * size))
    scan = np.zeros((size, size, 2), np.float32)
    scan[..., 0] = np.where(mask, np.array(values, np.float32).reshape(size, size), 0)
    scan[..., 1] = mask
    return scan


def only_schema_errors(call, *args):
    try:
        return call(*args)
    except (schema.SchemaError, schema.ServiceError):
        return None


@settings(max_examples=300, deadline=None)
@given(frames=st.lists(st.binary(max_size=600), max_size=4))
def test_any_bytes_raise_only_schema_errors(frames):
    only_schema_errors(schema.parse_request, frames, SIZE)
    only_schema_errors(schema.parse_reply, frames, (SIZE, SIZE))


@settings(max_examples=300, deadline=None)
@given(partial=partial_scans(), field=FIELDS, value=JSON | NEAR_VALID, delete=st.booleans())
def test_any_header_field_value_is_refused_or_accepted_unchanged(partial, field, value, delete):
    header = json.loads(schema.request('scan-1', partial)[0])
    if delete:
        header.pop(field, None)
    else:
        header[field] = value
    frames = [json.dumps(header).encode(), partial.tobytes()]
    parsed = only_schema_errors(schema.parse_request, frames, SIZE)
    if parsed is not None:  # accepted: only when the header still says what a valid request says
        kind, got, array = parsed
        assert kind == 'ping' or (got['shape'] == [SIZE, SIZE, 2] and np.array_equal(array, partial))
        assert kind == 'ping' or all(type(n) is int for n in got['shape'])


@settings(max_examples=50, deadline=None)
@given(shape=st.tuples(*(st.sampled_from([n, float(n), str(n), [n]]) for n in (SIZE, SIZE, 2))))
def test_the_shape_is_accepted_only_as_whole_numbers(shape):
    """JSON 8.0 == 8 in Python: a float or a string in the shape must still be refused."""
    header = json.loads(schema.request('scan-1', np.zeros((SIZE, SIZE, 2)))[0])
    frames = [json.dumps({**header, 'shape': list(shape)}).encode(), np.ones((SIZE, SIZE, 2), np.float32).tobytes()]
    accepted = only_schema_errors(schema.parse_request, frames, SIZE) is not None
    assert accepted == all(type(n) is int for n in shape)


@settings(max_examples=300, deadline=None)
@given(partial=partial_scans(), flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=6))
def test_mutated_requests_raise_only_schema_errors(partial, flips):
    frames = [bytearray(f) for f in schema.request('scan-1', partial)]
    for position, byte in flips:
        frame = frames[position % 2]
        if frame:
            frame[position % len(frame)] = byte
    result = only_schema_errors(schema.parse_request, [bytes(f) for f in frames], SIZE)
    if result is not None and result[0] == 'complete':
        scan = result[2]
        assert np.isfinite(scan).all() and np.abs(scan).max() <= schema.MAX_ABS_VALUE and scan[..., 1].any()


@settings(max_examples=100, deadline=None)
@given(partial=partial_scans(), scan_id=st.from_regex(schema.SCAN_ID, fullmatch=True))
def test_request_and_completion_round_trip(partial, scan_id):
    kind, header, got = schema.parse_request(schema.request(scan_id, partial), SIZE)
    assert kind == 'complete' and header['scan_id'] == scan_id and np.array_equal(got, partial)
    image = partial[..., 0]
    got_id, got_image = schema.parse_reply(schema.completion(scan_id, image), (SIZE, SIZE))
    assert got_id == scan_id and got_image.dtype == np.float32 and np.array_equal(got_image, image)


@settings(max_examples=200, deadline=None)
@given(
    shape=st.lists(st.one_of(st.integers(-2, 2 * SIZE), st.floats(), st.text(max_size=2)), max_size=3),
    length=st.integers(0, 4 * SIZE * SIZE * 2),
    fill=st.sampled_from([0.0, np.nan, np.inf, 3e38, -1e4]),
)
def test_a_completion_of_another_shape_or_with_absurd_values_is_refused(shape, length, fill):
    header = json.loads(schema.completion('scan-1', np.zeros((SIZE, SIZE)))[0])
    header['shape'] = shape
    payload = np.full(length // 4, fill, np.float32).tobytes()
    result = only_schema_errors(schema.parse_reply, [json.dumps(header).encode(), payload], (SIZE, SIZE))
    if result is not None:
        assert shape == [SIZE, SIZE] and fill == 0.0 and result[1].shape == (SIZE, SIZE)


@settings(max_examples=50, deadline=None)
@given(depth=st.integers(1, schema.MAX_HEADER_BYTES // 2), opener=st.sampled_from(['[', '{"a":']))
def test_nested_headers_are_refused(depth, opener):
    text = (opener * depth)[: schema.MAX_HEADER_BYTES]
    with pytest.raises(schema.SchemaError):
        schema.parse_request([text.encode(), b''], SIZE)
