import { MalformedEventError, parseEvent } from '../../packages/publisher/src/envelope';
import { cloudEvent, without, type TestEvent } from './fixtures';

function parseError(body: string): MalformedEventError {
  try {
    parseEvent(body);
  } catch (error) {
    if (error instanceof MalformedEventError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected parseEvent to throw');
}

const bodyOf = (event: TestEvent): string => JSON.stringify(event);
const missing = (field: string): string => bodyOf(without(cloudEvent(), field));
const withField = (overrides: TestEvent): string => bodyOf(cloudEvent(overrides));

const SEQUENCE_RULE = 'sequence: must be a whole number >= 0 or a string of digits';

describe('parseEvent', () => {
  test('returns the envelope fields of a valid event', () => {
    // GIVEN
    const body = bodyOf(cloudEvent({ sequence: 7, data: { total: 12.5, lines: [1, 2] } }));

    // WHEN
    const event = parseEvent(body);

    // THEN
    expect(event).toEqual({
      specversion: '1.0',
      id: 'evt-1',
      source: 'urn:test:orders',
      type: 'order.updated',
      subject: 'order-1',
      sequence: 7,
      time: '2025-03-01T11:59:00Z',
      data: { total: 12.5, lines: [1, 2] },
    });
  });

  test('accepts an event without time and data', () => {
    // GIVEN
    const body = bodyOf(without(cloudEvent(), 'time', 'data'));

    // WHEN
    const event = parseEvent(body);

    // THEN
    expect(event.time).toBeUndefined();
    expect(event.data).toBeUndefined();
  });

  test('drops extension attributes other than sequence', () => {
    // GIVEN
    const body = bodyOf(cloudEvent({ traceparent: '00-abc-def-01' }));

    // WHEN
    const event = parseEvent(body);

    // THEN
    expect(event).not.toHaveProperty('traceparent');
  });

  test.each([
    ['an integer', 42, 42],
    ['a string of digits', '42', 42],
    ['zero', 0, 0],
    ['a string with leading zeros', '007', 7],
    ['the largest safe integer', Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  ])('reads sequence given as %s as a number', (_, sequence, expected) => {
    // GIVEN
    const body = bodyOf(cloudEvent({ sequence }));

    // WHEN
    const event = parseEvent(body);

    // THEN
    expect(event.sequence).toBe(expected);
  });

  test('orders sequence "10" after "9", numerically', () => {
    // GIVEN
    const nine = parseEvent(bodyOf(cloudEvent({ sequence: '9' })));

    // WHEN
    const ten = parseEvent(bodyOf(cloudEvent({ sequence: '10' })));

    // THEN
    expect(ten.sequence).toBeGreaterThan(nine.sequence);
  });

  test.each([
    ['an empty body', '', 'body', /^body: must not be empty$/],
    ['a blank body', '  \n', 'body', /^body: must not be empty$/],
    ['a body that is not JSON', '{"id": ', 'body', /^body: not valid JSON \(.+\)$/],
    ['a JSON array', '[{"id":"evt-1"}]', 'body', /^body: must be a JSON object \(got \[\{"id":"evt-1"\}\]\)$/],
    ['a JSON string', '"evt-1"', 'body', /^body: must be a JSON object \(got "evt-1"\)$/],
    ['JSON null', 'null', 'body', /^body: must be a JSON object \(got null\)$/],
    ['an SNS notification envelope', '{"Type":"Notification","Message":"{}"}', 'body', /raw message delivery/],
    ['a missing id', missing('id'), 'id', /^id: required$/],
    ['a missing type', missing('type'), 'type', /^type: required$/],
    ['a missing subject', missing('subject'), 'subject', /^subject: required$/],
    ['a missing sequence', missing('sequence'), 'sequence', /^sequence: required$/],
    ['a missing source', missing('source'), 'source', /^source: required$/],
    ['a missing specversion', missing('specversion'), 'specversion', /^specversion: required$/],
    ['specversion 0.3', withField({ specversion: '0.3' }), 'specversion', /^specversion: must be "1.0" \(got "0.3"\)$/],
    ['an empty id', withField({ id: '' }), 'id', /^id: must be a non-empty string \(got ""\)$/],
    ['a numeric subject', withField({ subject: 17 }), 'subject', /^subject: must be a non-empty string \(got 17\)$/],
    ['a null subject', withField({ subject: null }), 'subject', /^subject: must be a non-empty string \(got null\)$/],
    ['an object type', withField({ type: { a: 1 } }), 'type', /^type: must be a non-empty string \(got \{"a":1\}\)$/],
    ['sequence 1.5', withField({ sequence: 1.5 }), 'sequence', new RegExp(`^${SEQUENCE_RULE} \\(got 1\\.5\\)$`)],
    ['sequence "1.5"', withField({ sequence: '1.5' }), 'sequence', /^sequence: .* \(got "1\.5"\)$/],
    ['sequence -1', withField({ sequence: -1 }), 'sequence', /^sequence: .* \(got -1\)$/],
    ['sequence "-1"', withField({ sequence: '-1' }), 'sequence', /^sequence: .* \(got "-1"\)$/],
    ['sequence "1e3"', withField({ sequence: '1e3' }), 'sequence', /^sequence: .* \(got "1e3"\)$/],
    ['sequence "abc"', withField({ sequence: 'abc' }), 'sequence', /^sequence: .* \(got "abc"\)$/],
    ['sequence ""', withField({ sequence: '' }), 'sequence', /^sequence: .* \(got ""\)$/],
    ['sequence " 1"', withField({ sequence: ' 1' }), 'sequence', /^sequence: .* \(got " 1"\)$/],
    ['sequence true', withField({ sequence: true }), 'sequence', /^sequence: .* \(got true\)$/],
    ['sequence null', withField({ sequence: null }), 'sequence', /^sequence: .* \(got null\)$/],
    [
      'a sequence beyond 2^53',
      withField({ sequence: '9007199254740993' }),
      'sequence',
      /^sequence: must be at most 2\^53-1 \(9007199254740991\), the largest whole number compared exactly \(got "9007199254740993"\)$/,
    ],
    ['an unsafe numeric sequence', withField({ sequence: 1e300 }), 'sequence', /^sequence: must be at most 2\^53-1 .* \(got 1e\+300\)$/],
    ['a fractional sequence', withField({ sequence: 1.5 }), 'sequence', /^sequence: must be a whole number >= 0 or a string of digits \(got 1\.5\)$/],
    ['a time not in RFC 3339', withField({ time: 'noon' }), 'time', /^time: must be an RFC 3339 .* \(got "noon"\)$/],
  ])('rejects %s, naming the field', (_, body, field, message) => {
    // WHEN
    const error = parseError(body);

    // THEN
    expect(error.name).toBe('MalformedEventError');
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  test('truncates a long value in the message', () => {
    // GIVEN
    const body = bodyOf(cloudEvent({ subject: { note: 'x'.repeat(10_000) } }));

    // WHEN
    const error = parseError(body);

    // THEN
    expect(error.value?.length).toBeLessThanOrEqual(80);
    expect(error.message.length).toBeLessThan(200);
  });

  test('keeps the id of a malformed event that has one', () => {
    // GIVEN
    const body = bodyOf(cloudEvent({ id: 'evt-9', sequence: 'abc' }));

    // WHEN
    const error = parseError(body);

    // THEN
    expect(error.eventId).toBe('evt-9');
  });
});
