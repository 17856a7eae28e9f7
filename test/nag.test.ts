import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { EventPipelineStack, EventPipelineStackProps } from '../lib';

interface PluginReport {
  pluginName: string;
  conclusion: string;
  violations: Array<{ ruleName: string; violatingConstructs: Array<{ constructPath: string }> }>;
  suppressedViolations?: Array<{ ruleName: string; reason: string; violatingConstructs?: Array<{ constructPath: string }> }>;
}

/**
 * Synthesizes a sample stack with the cdk-nag AwsSolutions and Serverless packs attached as
 * validation plugins, and the built-in CloudFormation validation, and returns the plugin reports.
 * `addToStack` may add resources to the stack first; `props` are the stack's.
 */
function nagReports(addToStack: (stack: Stack) => void = () => {}, props: EventPipelineStackProps = {}): PluginReport[] {
  const app = new App({ builtinCloudFormationValidation: true, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'nag-')) });
  addToStack(new EventPipelineStack(app, 'Nagged', { env: { account: '123456789012', region: 'eu-west-1' }, ...props }));
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  try {
    app.synth();
  } catch (error) {
    // A failing plugin fails synth, after it wrote its report.
    if (!/ValidationFailed/.test(String(error))) throw error;
  }
  const report = path.join(app.outdir, 'validation-report.json');
  const reports = (JSON.parse(fs.readFileSync(report, 'utf8')) as { pluginReports: PluginReport[] }).pluginReports;
  fs.rmSync(app.outdir, { recursive: true, force: true });
  return reports;
}

// GIVEN the sample app with cdk-nag AwsSolutions and Serverless packs and the built-in CloudFormation validation
let reports: PluginReport[];
// and the same with a subscription dead-letter queue on each consumer
let withDlqs: PluginReport[];
beforeAll(() => {
  // WHEN they synthesize
  reports = nagReports();
  withDlqs = nagReports(() => {}, {
    pipeline: { eventLog: { createSubscriptionDeadLetterQueue: true }, stateProjector: { createSubscriptionDeadLetterQueue: true } },
  });
});

test('both cdk-nag packs ran on the stack, and report a finding on a non-compliant resource', () => {
  // GIVEN the same stack with a plain queue: unencrypted, no TLS enforcement, no dead-letter queue
  const control = nagReports((stack) => new sqs.Queue(stack, 'Plain', { encryption: sqs.QueueEncryption.UNENCRYPTED }));
  // THEN each pack reports exactly that queue, and the stack's own resources pass as in the sample app
  const findings = (name: string) =>
    control
      .find((r) => r.pluginName === name)!
      .violations.flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} ${c.constructPath}`))
      .sort();
  expect(reports.map((r) => r.pluginName).sort()).toEqual(['AwsSolutions', 'Serverless']);
  expect(findings('AwsSolutions')).toEqual(['AwsSolutions-SQS2 Nagged/Plain/Resource', 'AwsSolutions-SQS3 Nagged/Plain/Resource', 'AwsSolutions-SQS4 Nagged/Plain/Resource']);
  expect(findings('Serverless')).toEqual(['Serverless-SQSRedrivePolicy Nagged/Plain/Resource']);
  expect(control.map((r) => r.conclusion)).toEqual(['failure', 'failure']);
});

test('cdk-nag AwsSolutions reports zero unacknowledged findings', () => {
  const nag = reports.find((r) => r.pluginName === 'AwsSolutions')!;
  expect(nag.violations).toEqual([]);
  expect(nag.conclusion).toBe('success');
});

test('cdk-nag Serverless reports zero unacknowledged findings', () => {
  const nag = reports.find((r) => r.pluginName === 'Serverless')!;
  expect(nag.violations).toEqual([]);
  expect(nag.conclusion).toBe('success');
});

test('every acknowledged cdk-nag finding carries a reason', () => {
  const suppressed = reports.flatMap((r) => r.suppressedViolations ?? []);
  expect(suppressed.length).toBeGreaterThan(0);
  for (const s of suppressed) expect(s.reason.length).toBeGreaterThan(40);
});

test('the acknowledged rules, with and without subscription dead-letter queues, are exactly the ones documented in docs/security.md', () => {
  const acknowledged = new Set([...reports, ...withDlqs].flatMap((r) => r.suppressedViolations ?? []).map((s) => s.ruleName));
  // The cdk-nag section's table, not the other sections' (cfn-lint's acknowledgments have one too).
  const page = fs.readFileSync(path.join(__dirname, '..', 'docs', 'security.md'), 'utf8');
  const start = page.indexOf('\n## cdk-nag');
  const end = page.indexOf('\n## ', start + 1);
  expect(start).toBeGreaterThan(-1);
  const documented = page.slice(start, end === -1 ? undefined : end);
  const listed = new Set([...documented.matchAll(/^\| `([A-Za-z0-9\-[\]:*]+)` \|/gm)].map((m) => m[1]));
  expect([...acknowledged].sort()).toEqual([...listed].sort());
});

test('the Events API acknowledges APIG4 only on its API-key method (POST /events), and COG4 on each method', () => {
  const suppressed = reports.flatMap((r) => r.suppressedViolations ?? []);
  const where = (rule: string) => suppressed.filter((s) => s.ruleName === rule).flatMap((s) => (s.violatingConstructs ?? []).map((c) => c.constructPath));
  expect(where('AwsSolutions-APIG4')).toEqual(['Nagged/Pipeline/Api/Api/Default/events/POST/Resource']);
  expect(where('AwsSolutions-COG4')).toHaveLength(4);
});

test('CloudFormation validation finds nothing (no circular dependency between key and topic)', () => {
  // GIVEN it does run: a queue with a property of the wrong shape is reported (as a warning)
  const control = nagReports((stack) => new CfnResource(stack, 'Malformed', { type: 'AWS::SQS::Queue', properties: { VisibilityTimeout: { seconds: 30 } } }));
  expect(control.find((r) => r.pluginName === 'CloudFormation Validate')?.violations.length).toBeGreaterThan(0);
  // THEN on the sample stack it reports nothing
  expect(reports.find((r) => r.pluginName === 'CloudFormation Validate')).toBeUndefined();
  expect(reports.flatMap((r) => r.violations)).toEqual([]);
});

test('with subscription dead-letter queues, both packs pass and SNSRedrivePolicy is no longer acknowledged', () => {
  // THEN nothing is reported, and the subscriptions need no acknowledgment
  expect(withDlqs.flatMap((r) => r.violations)).toEqual([]);
  const suppressed = withDlqs.flatMap((r) => r.suppressedViolations ?? []).map((s) => s.ruleName);
  expect(suppressed).not.toContain('Serverless-SNSRedrivePolicy');
  const sqs3 = withDlqs
    .flatMap((r) => r.suppressedViolations ?? [])
    .filter((s) => s.ruleName === 'AwsSolutions-SQS3')
    .flatMap((s) => (s.violatingConstructs ?? []).map((c) => c.constructPath))
    .sort();
  expect(sqs3).toEqual(['Nagged/Pipeline/EventLog/SubscriptionDeadLetterQueue/Resource', 'Nagged/Pipeline/StateProjector/SubscriptionDeadLetterQueue/Resource']);
  // while the sample app, without them, acknowledges it on both subscriptions
  const where = reports
    .flatMap((r) => r.suppressedViolations ?? [])
    .filter((s) => s.ruleName === 'Serverless-SNSRedrivePolicy')
    .flatMap((s) => (s.violatingConstructs ?? []).map((c) => c.constructPath))
    .sort();
  expect(where).toEqual(['Nagged/Pipeline/EventLog/Subscription/Resource', 'Nagged/Pipeline/StateProjector/Subscription/Resource']);
});
