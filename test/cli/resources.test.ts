import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { type Target, chooseTopic, envName, fromVariables } from '../../packages/tools/src/cli/resources';
import { LOCAL_VARIABLES, REGION, STACK_OUTPUTS, cli, localDir } from './helpers';

const cloudformation = mockClient(CloudFormationClient);
const sqs = mockClient(SQSClient);
const cloudwatch = mockClient(CloudWatchClient);
const dynamodb = mockClient(DynamoDBClient);

beforeEach(() => {
  for (const mock of [cloudformation, sqs, cloudwatch, dynamodb]) mock.reset();
  sqs.on(GetQueueAttributesCommand).resolves({ Attributes: {} });
  cloudformation.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: [] });
  cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
  dynamodb.on(DescribeTableCommand).resolves({ Table: { ItemCount: 0 } });
  dynamodb.on(ScanCommand).resolves({ Count: 0 });
});

describe('resources', () => {
  test("a stack's outputs and the local run's variables give the same names", () => {
    // GIVEN the stack outputs, converted as the local run converts them
    const fromStack = fromVariables(Object.fromEntries(STACK_OUTPUTS.map((o) => [envName(o.OutputKey), o.OutputValue])));

    // WHEN
    const fromLocal = fromVariables(LOCAL_VARIABLES);

    // THEN
    for (const found of [fromStack, fromLocal]) {
      expect(found.consumers.map((c) => c.name)).toEqual(['event-log', 'state-projector']);
      expect(Object.keys(found.tables).sort()).toEqual(['events', 'state']);
      expect(found.topicArn).toMatch(/\.fifo$/);
    }
    expect(fromStack.consumers[1]).toEqual({
      name: 'state-projector',
      queueUrl: STACK_OUTPUTS[3].OutputValue,
      deadLetterQueueUrl: STACK_OUTPUTS[4].OutputValue,
    });
  });

  test('finds a deployed stack through DescribeStacks', async () => {
    // GIVEN
    cloudformation.on(DescribeStacksCommand, { StackName: 'Orders' }).resolves({ Stacks: [{ StackName: 'Orders', Outputs: STACK_OUTPUTS } as never] });

    // WHEN
    const run = await cli(['status', '--stack', 'Orders', '--region', REGION, '--json'], { env: {} });

    // THEN the command got as far as the queues
    expect(sqs.commandCalls(GetQueueAttributesCommand).map((c) => c.args[0].input.QueueUrl)).toContain(STACK_OUTPUTS[1].OutputValue);
    expect(run.stderr).not.toMatch(/does not exist/);
  });

  test("a consumer added with addConsumer has no output: its queues are found among the stack's queues by their logical ids", async () => {
    // GIVEN the stack's outputs name the two default consumers, and the stack also has an added consumer's queues
    const added = (id: string, name: string) => ({
      LogicalResourceId: id,
      ResourceType: 'AWS::SQS::Queue',
      PhysicalResourceId: `https://sqs.${REGION}.amazonaws.com/123456789012/${name}`,
    });
    const queues = [
      ...STACK_OUTPUTS.filter((o) => /QueueUrl$/.test(o.OutputKey ?? '')).map((o) => ({ LogicalResourceId: `X${o.OutputKey}`, ResourceType: 'AWS::SQS::Queue', PhysicalResourceId: o.OutputValue })),
      added('PipelineAuditQueue1A2B3C4D', 'audit'),
      added('PipelineAuditDeadLetterQueue5E6F7A8B', 'audit-dlq'),
      added('PipelineEventLogSubscriptionDeadLetterQueue9C0D1E2F', 'sub-dlq'),
      { LogicalResourceId: 'PipelineKey12345678', ResourceType: 'AWS::KMS::Key', PhysicalResourceId: 'key' },
    ];
    cloudformation.on(DescribeStacksCommand, { StackName: 'Orders' }).resolves({ Stacks: [{ StackName: 'Orders', Outputs: STACK_OUTPUTS } as never] });
    cloudformation.on(ListStackResourcesCommand).resolvesOnce({ StackResourceSummaries: queues.slice(0, 3) as never, NextToken: 'next' }).resolves({ StackResourceSummaries: queues.slice(3) as never });

    // WHEN the operator inspects the added consumer's dead-letter queue
    const run = await cli(['dlq', 'inspect', '--stack', 'Orders', '--region', REGION, '--queue', 'pipeline-audit', '--json'], { env: {} });

    // THEN it is found, with both of its queues, and the subscription's dead-letter queue is no consumer
    expect(run.stderr).not.toMatch(/unknown queue/);
    const urls = sqs.commandCalls(GetQueueAttributesCommand).map((c) => c.args[0].input.QueueUrl);
    expect(urls).toContain(added('PipelineAuditDeadLetterQueue5E6F7A8B', 'audit-dlq').PhysicalResourceId);
    expect(urls).not.toContain(added('PipelineEventLogSubscriptionDeadLetterQueue9C0D1E2F', 'sub-dlq').PhysicalResourceId);
  });

  test('a missing stack is a clear error with exit code 3', async () => {
    // GIVEN
    cloudformation
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));

    // WHEN
    const run = await cli(['status', '--stack', 'Nope', '--region', REGION]);

    // THEN
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      'event-pipeline status: stack Nope does not exist in eu-west-1: check --stack and --region (deploy it with `npx cdk deploy`)\n',
    );
  });

  test('no credentials is a clear error with exit code 3', async () => {
    // GIVEN
    cloudformation
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));

    // WHEN
    const run = await cli(['dlq', 'inspect', '--stack', 'Orders', '--region', REGION]);

    // THEN
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^event-pipeline dlq inspect: no AWS credentials: set AWS_PROFILE/);
  });

  test('the local run not started is a clear error with exit code 3', async () => {
    const run = await cli(['status', '--local'], { cwd: '/nonexistent-dir' });

    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/the local run is not started: \.local\/endpoints\.json does not exist\. Start it in another terminal with `npm start -- --keep`/);
  });

  test('a local run that stopped answering is a clear error with exit code 3', async () => {
    // GIVEN nothing listens on the endpoint (the mocks let the connection error through)
    sqs.on(GetQueueAttributesCommand).rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' }));

    // WHEN
    const run = await cli(['status', '--local'], { cwd: localDir() });

    // THEN
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      'event-pipeline status: the local run does not answer at http://127.0.0.1:4566 (ECONNREFUSED): it is not running. ' +
        'Start it in another terminal with `npm start -- --keep` (or point --endpoints at the endpoints file of one that runs)\n',
    );
  });

  test('redrive --local with the local run stopped says so, not that AWS cannot be reached', async () => {
    sqs.on(GetQueueAttributesCommand).rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' }));

    const run = await cli(['redrive', '--queue', 'event-log', '--local'], { cwd: localDir() });

    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^event-pipeline redrive: the local run does not answer at http:\/\/127\.0\.0\.1:4566 \(ECONNREFUSED\): it is not running\. Start it in another terminal with `npm start -- --keep`/);
    expect(run.stderr).not.toMatch(/AWS|--region/);
  });

  test('an unknown queue is a usage error naming the known ones', async () => {
    const run = await cli(['redrive', '--queue', 'orders', '--local'], { cwd: localDir() });

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown queue "orders": the local run \(\.local\/endpoints\.json\) has event-log, state-projector/);
  });

  test.each([
    [['status'], /say which pipeline: --stack NAME for a deployed stack, or --local/],
    [['status', '--stack', 'A', '--local'], /give --stack or --local, not both/],
    [['status', '--local', '--bogus'], /Unknown option '--bogus'/],
    [['publish', '--local'], /^event-pipeline publish: missing argument FILE\|-\nUsage: event-pipeline publish FILE\|- /],
    [['status', '--local', 'extra'], /^event-pipeline status: unexpected argument "extra"\n/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['help', 'bogus'], /^event-pipeline: unknown command "bogus"\n/],
    [['help', 'dlq', 'bogus'], /^event-pipeline: dlq: say which: dlq inspect\n/],
    [['help', 'dlq'], /^event-pipeline: dlq: say which: dlq inspect\n/],
    [['redrive', '--queue', 'event-log', '--local', '--rate', '10'], /^event-pipeline redrive: --rate applies to an SQS move task only, and the local run has no move tasks: redrive copies there \(receive, send, delete\)\n$/],
    [['redrive', '--queue', 'event-log', '--local', '--no-wait'], /^event-pipeline redrive: --no-wait applies to an SQS move task only, and the local run has no move tasks/],
    [['redrive', '--queue', 'event-log', '--stack', 'S', '--copy', '--rate', '5', '--no-wait'], /^event-pipeline redrive: --rate and --no-wait apply to an SQS move task only, and --copy copies \(receive, send, delete\) instead of starting one\n$/],
    [['redrive', '--local'], /^event-pipeline redrive: --queue NAME is required \(e\.g\. --queue event-log\)\n$/],
    [['replay', '--local'], /^event-pipeline replay: --subject S \(from the events table\) or --since T --consumer NAME \(from the topic's archive\) is required\n$/],
  ])('%j is a usage error (exit code 2)', async (argv, message) => {
    const run = await cli(argv, { cwd: localDir() });

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  test.each([['help', 'publish'], ['help', 'dlq', 'inspect'], ['help']])('%j prints the help and exits 0', async (...argv) => {
    const run = await cli(argv);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(argv.length > 1 ? new RegExp(`^Usage: event-pipeline ${argv.slice(1).join(' ')}`) : /^Usage: event-pipeline <command>/);
  });

  test.each([['publish'], ['status'], ['dlq', 'inspect'], ['redrive'], ['replay']])('%s --help prints the usage and exits 0', async (...command) => {
    const run = await cli([...command, '--help']);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Usage: event-pipeline ${command.join(' ')}`));
    expect(run.stdout).toMatch(/--stack NAME/);
  });
});

describe('topics', () => {
  const arn = (name: string) => `arn:aws:sns:us-east-1:000000000000:${name}.fifo`;
  const target = (vars: Record<string, string>) => ({ label: 'the local run (.local/endpoints.json)', ...fromVariables(vars) }) as unknown as Target;

  test("one topic is the default; the sample's TOPIC_ARN is named topic", () => {
    expect(chooseTopic(target(LOCAL_VARIABLES), undefined)).toEqual({ name: 'topic', variable: 'TOPIC_ARN', arn: LOCAL_VARIABLES.TOPIC_ARN });
  });

  test('with several, TOPIC_ARN is not another one, and --topic is needed: the error lists them', () => {
    // GIVEN two pipelines' topics, and TOPIC_ARN repeating one of them
    const vars = { ORDERS_TOPIC_ARN: arn('S-Orders'), PARCELS_TOPIC_ARN: arn('S-Parcels'), TOPIC_ARN: arn('S-Parcels') };
    // THEN
    expect(target(vars).topics.map((t) => t.name)).toEqual(['orders', 'parcels']);
    expect(() => chooseTopic(target(vars), undefined)).toThrow(
      '--topic is needed: the local run (.local/endpoints.json) has 2 topics: orders (ORDERS_TOPIC_ARN, S-Orders.fifo), parcels (PARCELS_TOPIC_ARN, S-Parcels.fifo); say which with --topic NAME',
    );
    for (const given of ['parcels', 'Parcels', 'PARCELS_TOPIC_ARN', 'ParcelsTopic', arn('S-Parcels'), 'S-Parcels', 'S-Parcels.fifo']) {
      expect(chooseTopic(target(vars), given).arn).toBe(arn('S-Parcels'));
    }
    expect(() => chooseTopic(target(vars), 'invoices')).toThrow(
      '--topic "invoices": no such topic in the local run (.local/endpoints.json); it has orders (ORDERS_TOPIC_ARN, S-Orders.fifo), parcels',
    );
  });
});
