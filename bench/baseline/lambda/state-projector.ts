import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});

/** Keeps each subject's latest event: a put that only wins over an older sequence. */
export const handler = async (event: SQSEvent): Promise<void> => {
  for (const record of event.Records) {
    const body = JSON.parse(record.body);
    const sequence = Number(body.sequence);
    try {
      await client.send(
        new PutCommand({
          TableName: process.env.TABLE_NAME,
          Item: {
            subject: body.subject,
            sequence,
            eventId: body.id,
            type: body.type,
            source: body.source,
            time: body.time,
            data: body.data,
            updatedAt: new Date().toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(subject) OR #sequence < :sequence',
          ExpressionAttributeNames: { '#sequence': 'sequence' },
          ExpressionAttributeValues: { ':sequence': sequence },
        }),
      );
    } catch (error) {
      // An older or repeated event: the stored state is already newer.
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }
};
