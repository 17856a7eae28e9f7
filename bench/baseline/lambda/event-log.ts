import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const RETENTION_SECONDS = 30 * 24 * 3600;

/** Writes each event to the events table, keyed by its id. */
export const handler = async (event: SQSEvent): Promise<void> => {
  for (const record of event.Records) {
    const body = JSON.parse(record.body);
    const now = Date.now();
    await client.send(
      new PutCommand({
        TableName: process.env.TABLE_NAME,
        Item: {
          ...body,
          sequence: Number(body.sequence),
          receivedAt: new Date(now).toISOString(),
          expiresAt: Math.floor(now / 1000) + RETENTION_SECONDS,
        },
      }),
    );
  }
};
