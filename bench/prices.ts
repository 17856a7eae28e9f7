/**
 * us-east-1 prices used by the cost model, each with where it was read and
 * when. `asKnown` marks a price the stored pages did not show: it is the AWS
 * price list as known, not a price read on the date given.
 */
export interface Price {
  readonly usd: number;
  readonly unit: string;
  readonly source: string;
  /** When the source was read. */
  readonly read: string;
  readonly asKnown?: boolean;
}

const READ = '2026-11-21';
const READ_API = '2026-12-01';
const SNS_PRICING = 'https://aws.amazon.com/sns/pricing/';

export const PRICES = {
  snsFifoPublish: {
    usd: 0.3,
    unit: 'per million FIFO Publish/PublishBatch requests (each 64 KB chunk of a request is one)',
    source: 'https://www.factualminds.com/blog/amazon-sns-pricing-publishes-fanout-protocols/ (us-east-1, June 2026)',
    read: READ,
  },
  snsFifoPublishPayload: {
    usd: 0.017,
    unit: 'per GB of FIFO payload published',
    source: SNS_PRICING,
    read: READ,
    asKnown: true,
  },
  snsFifoDelivery: {
    usd: 0.01,
    unit: 'per million FIFO subscription messages (deliveries to SQS)',
    source: SNS_PRICING,
    read: READ,
    asKnown: true,
  },
  snsFifoDeliveryPayload: {
    usd: 0.001,
    unit: 'per GB of FIFO payload delivered',
    source: SNS_PRICING,
    read: READ,
    asKnown: true,
  },
  sqsStandard: {
    usd: 0.4,
    unit: 'per million standard-queue requests (each 64 KB chunk of a request is one)',
    source:
      'https://cloudburn.io/blog/amazon-sqs-pricing (us-east-1, March 2026); ' +
      'https://aws.amazon.com/about-aws/whats-new/2016/11/amazon-sqs-introduces-fifo-queues-with-exactly-once-processing-and-lower-prices-for-standard-queues/',
    read: READ,
  },
  sqsFifo: {
    usd: 0.5,
    unit: 'per million FIFO-queue requests (each 64 KB chunk of a request is one)',
    source:
      'https://cloudburn.io/blog/amazon-sqs-pricing (us-east-1, March 2026); ' +
      'https://aws.amazon.com/about-aws/whats-new/2016/11/amazon-sqs-introduces-fifo-queues-with-exactly-once-processing-and-lower-prices-for-standard-queues/',
    read: READ,
  },
  lambdaRequests: {
    usd: 0.2,
    unit: 'per million Lambda invocations',
    source: 'https://aws.amazon.com/lambda/pricing/ (worked examples, us-east-1); https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html',
    read: READ,
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    unit: 'per GB-second, arm64 (first 7.5 billion GB-s a month)',
    source: 'https://cloudchipr.com/blog/aws-lambda-pricing (us-east-1)',
    read: READ,
  },
  lambdaX86GbSecond: {
    usd: 0.0000166667,
    unit: 'per GB-second, x86_64 (first 6 billion GB-s a month)',
    source: 'https://aws.amazon.com/lambda/pricing/ (worked examples: $0.00001667); https://cloudchipr.com/blog/aws-lambda-pricing (us-east-1)',
    read: READ,
  },
  dynamodbWriteUnit: {
    usd: 0.625,
    unit: 'per million on-demand write request units (standard table class)',
    source: 'https://airbyte.com/data-engineering-resources/dynamodb-pricing (us-east-1, after the November 2024 reduction; July 2025)',
    read: READ,
  },
  apiGatewayRestRequest: {
    usd: 3.5,
    unit: 'per million API Gateway REST API requests (first 333 million a month)',
    source:
      'https://docs.aws.amazon.com/pt_br/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html ' +
      '(Table 4, REST API calls); https://aws.amazon.com/api-gateway/pricing/',
    read: READ_API,
  },
} as const satisfies Record<string, Price>;

export type Prices = { readonly [K in keyof typeof PRICES]: Price };
