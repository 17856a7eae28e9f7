import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * A document client for event items. Absent optional fields (`time`, `data`)
 * are left out, and numbers in `data` beyond 2^53, already rounded by
 * JSON.parse, are stored as parsed instead of failing the record.
 */
export function createDocumentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true, allowImpreciseNumbers: true },
  });
}
