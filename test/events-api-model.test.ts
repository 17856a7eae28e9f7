import Ajv from 'ajv-draft-04';
import { digitsAtMost } from '../lib/events-api-model';
import { parseEvent } from '../packages/publisher/src/envelope';
import { ROWS, type Verdict } from './helpers/event-rows';
import { synthStack } from './helpers/stack';

// The API's request model and the consumers' envelope parser must accept and refuse the same
// events: the table of good and bad events is in test/helpers/event-rows.ts, shared with the
// local API's end-to-end test.

/** What the consumers' parser says: 'ok' or the field it names. */
function envelopeVerdict(event: unknown): Verdict {
  try {
    parseEvent(JSON.stringify(event));
    return 'ok';
  } catch (error) {
    return (error as { field: string }).field;
  }
}

// GIVEN the CloudEvent model as deployed (read from the synthesized sample stack)
let validate: (event: unknown) => Verdict;
beforeAll(() => {
  const models = Object.values(synthStack().template.findResources('AWS::ApiGateway::Model'));
  const schema = models.find((m) => m.Properties.Name === 'CloudEvent')!.Properties.Schema;
  const check = new Ajv({ allErrors: false }).compile(schema);
  validate = (event) => {
    if (check(event)) return 'ok';
    const error = check.errors![0];
    // API Gateway's validator names the field by its pointer, or the missing property
    const field = error.keyword === 'required' ? (error.params as { missingProperty: string }).missingProperty : error.instancePath.split('/')[1];
    return field || 'body';
  };
});

describe.each(ROWS)('$name', ({ event, expected, topic }) => {
  test(`the request model: ${expected}`, () => {
    expect(validate(event)).toBe(expected);
  });
  test(`the consumers' parser: ${topic ? 'ok (a topic limit)' : expected}`, () => {
    expect(envelopeVerdict(event)).toBe(topic ? 'ok' : expected);
  });
});

test('digitsAtMost matches exactly the strings of digits up to its bound, leading zeros allowed', () => {
  const re = new RegExp(digitsAtMost(1234));
  for (let n = 0; n <= 1300; n++) expect([n, re.test(String(n))]).toEqual([n, n <= 1234]);
  expect(re.test('0001234')).toBe(true);
  expect(re.test('01235')).toBe(false);
});
