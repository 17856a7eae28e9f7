/**
 * An example of the settings that carry 30,000 events/s through one pipeline (docs/scaling.md,
 * "The settings for 30,000 events/s", is the table of the same settings, with why). Synthesized and
 * checked setting by setting in test/high-throughput-stack.test.ts; it is not part of the sample app.
 * The AWS quotas it needs are not settings of the stack: see the same section.
 */
import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { EventPipeline, EventsTableSchema, EventTable, StateTableSchema } from '../../lib';

/** The events/s the settings are for, and what each setting is derived from. */
export const HIGH_THROUGHPUT = {
  eventsPerSecond: 30_000,
  /** Write units per second: one per event of up to 1 KB, on the events table, on its index and (at most) on the state table. */
  writeUnitsPerSecond: 30_000,
  eventLog: { batchSize: 1_000, maxBatchingWindow: Duration.seconds(1), minimumPollers: 20, maximumPollers: 100, memorySize: 1_769 },
  stateProjector: { batchSize: 10, minimumPollers: 20, maximumPollers: 200, memorySize: 1_769 },
} as const;

/** Sets the warm throughput of a table made by EventTable (and of its first index, when `index`), which the L2 table has no prop for on aws-cdk-lib 2.263. */
function warm(table: EventTable, writeUnitsPerSecond: number, index = false): void {
  const cfn = table.node.findChild('Table').node.defaultChild as dynamodb.CfnTable;
  cfn.warmThroughput = { writeUnitsPerSecond };
  if (index) cfn.addPropertyOverride('GlobalSecondaryIndexes.0.WarmThroughput', { WriteUnitsPerSecond: writeUnitsPerSecond });
}

export class HighThroughputStack extends Stack {
  public readonly pipeline: EventPipeline;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    const { eventLog, stateProjector, writeUnitsPerSecond } = HIGH_THROUGHPUT;

    // The pipeline's own tables, as it would make them, with warm throughput: ready for the peak from the start.
    const events = new EventTable(this, 'EventsTable', {
      partitionKey: { name: EventsTableSchema.PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: EventsTableSchema.TIME_TO_LIVE_ATTRIBUTE,
      globalSecondaryIndexes: [
        {
          indexName: EventsTableSchema.SUBJECT_INDEX,
          partitionKey: { name: EventsTableSchema.SUBJECT_INDEX_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
          sortKey: { name: EventsTableSchema.SUBJECT_INDEX_SORT_KEY, type: dynamodb.AttributeType.NUMBER },
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    warm(events, writeUnitsPerSecond, true);
    const state = new EventTable(this, 'StateTable', {
      partitionKey: { name: StateTableSchema.PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    warm(state, writeUnitsPerSecond);

    this.pipeline = new EventPipeline(this, 'Pipeline', {
      // Past 3,000 messages/s: deduplication per message group, the events table and the sequence guard behind it.
      fifoThroughputScope: sns.FifoThroughputScope.MESSAGE_GROUP,
      eventsTable: events.table,
      stateTable: state.table,
      eventLog: {
        batchSize: eventLog.batchSize,
        maxBatchingWindow: eventLog.maxBatchingWindow,
        memorySize: eventLog.memorySize,
        provisionedPollers: { minimumPollers: eventLog.minimumPollers, maximumPollers: eventLog.maximumPollers },
      },
      stateProjector: {
        batchSize: stateProjector.batchSize,
        memorySize: stateProjector.memorySize,
        provisionedPollers: { minimumPollers: stateProjector.minimumPollers, maximumPollers: stateProjector.maximumPollers },
      },
      dashboard: {},
    });
  }
}
