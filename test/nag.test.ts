import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EventPipelineStack } from '../lib';

interface PluginReport {
  pluginName: string;
  conclusion: string;
  violations: unknown[];
  suppressedViolations?: Array<{ ruleName: string; reason: string }>;
}

// GIVEN the sample app with cdk-nag AwsSolutions and the built-in CloudFormation validation
let reports: PluginReport[];
beforeAll(() => {
  const app = new App({ builtinCloudFormationValidation: true, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'nag-')) });
  new EventPipelineStack(app, 'Nagged', { env: { account: '123456789012', region: 'eu-west-1' } });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
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

test('every acknowledged cdk-nag finding carries a reason', () => {
  const nag = reports.find((r) => r.pluginName === 'AwsSolutions')!;
  for (const s of nag.suppressedViolations ?? []) expect(s.reason.length).toBeGreaterThan(40);
});

test('CloudFormation validation finds nothing (no circular dependency between key and topic)', () => {
  expect(reports.flatMap((r) => r.violations)).toEqual([]);
});
