import { planBatch } from '../../lambda/state-projector/plan';
import { cloudEvent, sqsRecord } from './fixtures';

const kinds = (steps: ReturnType<typeof planBatch>): string[] => steps.map((step) => `${step.messageId}:${step.kind}`);

describe('planBatch', () => {
  test('keeps the first of two events with the same highest sequence, as the conditional write would', () => {
    // GIVEN
    const records = [
      sqsRecord(cloudEvent({ id: 'first', sequence: 4 }), 'm1', 'order-1'),
      sqsRecord(cloudEvent({ id: 'second', sequence: '4' }), 'm2', 'order-1'),
    ];

    // WHEN
    const steps = planBatch(records);

    // THEN
    expect(kinds(steps)).toEqual(['m1:write', 'm2:superseded']);
  });

  test('compacts each subject of a shared message group on its own', () => {
    // GIVEN two subjects published under one message group
    const records = [
      sqsRecord(cloudEvent({ subject: 'order-1', sequence: 2 }), 'm1', 'tenant-1'),
      sqsRecord(cloudEvent({ subject: 'order-2', sequence: 1 }), 'm2', 'tenant-1'),
      sqsRecord(cloudEvent({ subject: 'order-1', sequence: 1 }), 'm3', 'tenant-1'),
    ];

    // WHEN
    const steps = planBatch(records);

    // THEN
    expect(kinds(steps)).toEqual(['m1:write', 'm2:write', 'm3:superseded']);
  });

  test('groups records without a MessageGroupId by subject', () => {
    // GIVEN
    const records = [
      sqsRecord(cloudEvent({ subject: 'order-1', sequence: 1 }), 'm1'),
      sqsRecord(cloudEvent({ subject: 'order-1', sequence: 2 }), 'm2'),
    ];

    // WHEN
    const steps = planBatch(records);

    // THEN
    expect(steps.map((step) => [step.kind, step.groupId])).toEqual([
      ['superseded', 'order-1'],
      ['write', 'order-1'],
    ]);
  });

  test('leaves the records after a malformed one out of the compaction of its group', () => {
    // GIVEN
    const records = [
      sqsRecord(cloudEvent({ sequence: 1 }), 'm1', 'order-1'),
      sqsRecord('{}', 'm2', 'order-1'),
      sqsRecord(cloudEvent({ sequence: 3 }), 'm3', 'order-1'),
    ];

    // WHEN
    const steps = planBatch(records);

    // THEN
    expect(kinds(steps)).toEqual(['m1:write', 'm2:malformed', 'm3:blocked']);
  });

  test('lets a dead-lettered record hold nothing back', () => {
    // GIVEN the malformed record m2 was sent to the dead-letter queue
    const records = [
      sqsRecord(cloudEvent({ sequence: 1 }), 'm1', 'order-1'),
      sqsRecord('{}', 'm2', 'order-1'),
      sqsRecord(cloudEvent({ sequence: 3 }), 'm3', 'order-1'),
    ];

    // WHEN
    const steps = planBatch(records, new Set(['m2']));

    // THEN
    expect(kinds(steps)).toEqual(['m1:superseded', 'm2:dead-lettered', 'm3:write']);
  });
});
