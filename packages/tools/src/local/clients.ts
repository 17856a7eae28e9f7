/**
 * SDK clients for the emulators, with dummy credentials: nothing here can reach an AWS account.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Emulators } from './emulators';

export const DUMMY_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export interface LocalClients {
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  destroy(): void;
}

export function createClients(emulators: Emulators): LocalClients {
  const common = { region: emulators.region, credentials: DUMMY_CREDENTIALS, maxAttempts: 3 };
  const sns = new SNSClient({ ...common, endpoint: emulators.snsSqsEndpoint });
  const sqs = new SQSClient({ ...common, endpoint: emulators.snsSqsEndpoint });
  const dynamodb = new DynamoDBClient({ ...common, endpoint: emulators.dynamodbEndpoint });
  return {
    sns,
    sqs,
    dynamodb,
    destroy: () => {
      sns.destroy();
      sqs.destroy();
      dynamodb.destroy();
    },
  };
}
