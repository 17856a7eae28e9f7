import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { EventPipelineStack } from '../lib';

interface PluginReport {
  pluginName: string;
  conclusion: string;
  violations: unknown[];
  suppressedViolations?: Array<{ ruleName: string; reason: string }>;
}

// GIVEN the sample app with cdk-nag AwsSolutions and Serverless packs and the built-in CloudFormation validation
let reports: PluginReport[];
beforeAll(() => {
  const app = new App({ builtinCloudFormationValidation: true, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'nag-')) });
  new EventPipelineStack(app, 'Nagged', { env: { account: '123456789012', region: 'eu-west-1' } });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  // WHEN it synthesizes
  const assembly = app.synth();
  reports = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8')).pluginReports;
  fs.rmSync(assembly.directory, { recursive: true, force: true });
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

test('the acknowledged rules are exactly the ones documented in docs/security.md', () => {
  const acknowledged = new Set(reports.flatMap((r) => r.suppressedViolations ?? []).map((s) => s.ruleName));
  const documented = fs.readFileSync(path.join(__dirname, '..', 'docs', 'security.md'), 'utf8');
  const listed = new Set([...documented.matchAll(/^\| `([A-Za-z0-9\-[\]:*]+)` \|/gm)].map((m) => m[1]));
  expect([...acknowledged].sort()).toEqual([...listed].sort());
});

test('CloudFormation validation finds nothing (no circular dependency between key and topic)', () => {
  expect(reports.flatMap((r) => r.violations)).toEqual([]);
});
