import { CliError } from '../../packages/tools/src/cli/errors';
import { arrayElementLines, parseEvents } from '../../packages/tools/src/cli/input';

describe('parseEvents', () => {
  test('reads NDJSON, skipping blank lines and keeping the line numbers', () => {
    // GIVEN
    const text = '{"id":"a"}\n\n{"id":"b"}\r\n{not json\n';

    // WHEN
    const entries = parseEvents(text);

    // THEN
    expect(entries).toEqual([
      { line: 1, value: { id: 'a' } },
      { line: 3, value: { id: 'b' } },
      { line: 4, error: expect.stringMatching(/^body: not valid JSON \(/) },
    ]);
  });

  test('reads a JSON array, with the line each element starts on', () => {
    // GIVEN elements over several lines, with brackets and commas inside strings
    const text = ['[', '  {"id": "a", "data": {"note": "],{,"}},', '', '  {', '    "id": "b\\"]"', '  },', '  42', ']'].join('\n');

    // WHEN
    const entries = parseEvents(text);

    // THEN
    expect(entries).toEqual([
      { line: 2, value: { id: 'a', data: { note: '],{,' } } },
      { line: 4, value: { id: 'b"]' } },
      { line: 7, value: 42 },
    ]);
  });

  test('finds the lines of a one-line array', () => {
    expect(arrayElementLines('[{"a":[1,2]}, {"b":"x"} ,3]')).toEqual([1, 1, 1]);
    expect(arrayElementLines('[]')).toEqual([]);
  });

  test('refuses a broken JSON array as a whole', () => {
    expect(() => parseEvents('[{"id":"a"},')).toThrow(CliError);
    expect(() => parseEvents('[{"id":"a"},')).toThrow(/starts with \[ but is not a valid JSON array/);
  });
});
