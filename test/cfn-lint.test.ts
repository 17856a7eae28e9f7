/**
 * cfn-lint on every template this repository synthesizes: the sample app at both stages and
 * both integration tests with their assertion stacks, synthesized by the CDK CLI as
 * `npx cdk synth` does (with cdk.json's context). A broken copy of the sample template is
 * linted with them, as a control that cfn-lint ran and reports errors.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { assertLintClean, type Finding, findTemplates, type LintReport, lintTemplates, readConfig } from './helpers/cfn-lint';

jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, '..');
const CDK = require.resolve('aws-cdk/bin/cdk');

/** Each app, how the CLI is told to synthesize it, and the stacks it must produce. */
const APPS = [
  { name: 'sample-sandbox', args: ['-c', 'stage=sandbox'], stacks: ['EventPipeline-sandbox'] },
  { name: 'sample-prod', args: ['-c', 'stage=prod'], stacks: ['EventPipeline-prod'] },
  { name: 'integ-pipeline', args: ['--app', 'node --import tsx test/integ.pipeline.ts'], stacks: ['EventPipelineInteg', 'EventPipelineDefaultTestDeployAssert'] },
  { name: 'integ-events-api', args: ['--app', 'node --import tsx test/integ.events-api.ts'], stacks: ['EventsApiInteg', 'EventsApiDefaultTestDeployAssert'] },
];

type Template = { Resources: Record<string, { Type: string; DependsOn?: string | string[]; Properties?: Record<string, unknown> }> };

/**
 * What each rule acknowledged in .cfnlintrc.yaml may cover, as its comment there says. A finding
 * of an acknowledged rule outside it is one of ours to fix.
 */
const ACKNOWLEDGED: Record<string, { covers: string; test: (finding: Finding, template: Template) => boolean }> = {
  W3005: {
    covers: 'a DependsOn on the IAM role the resource names by GetAtt in its Role or RoleArn property',
    test: (finding, template) => {
      const [, id, key, index] = finding.path;
      const resource = template.Resources[id as string];
      if (key !== 'DependsOn' || !resource?.DependsOn) return false;
      const target = [resource.DependsOn].flat()[typeof index === 'number' ? index : 0];
      const byGetAtt = JSON.stringify({ 'Fn::GetAtt': [target, 'Arn'] });
      return (
        template.Resources[target]?.Type === 'AWS::IAM::Role' &&
        ['Role', 'RoleArn'].some((p) => JSON.stringify(resource.Properties?.[p]) === byGetAtt)
      );
    },
  },
};

/** Where breakTemplate broke the control. */
const broken = { queue: '', missingRef: { resource: '', target: 'NoSuchResource' } };

let work: string;
let templates: Record<string, string[]>;
let real: string[];
let control: string;
let report: LintReport;
let acknowledgedRules: string[];
let audit: LintReport;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-event-pipeline-cfn-lint-'));
  // GIVEN every app synthesized into a directory of its own, while the virtualenv is made if
  // it is not there yet (the first lint waits for it)
  const [config] = await Promise.all([readConfig(), ...APPS.map((app) => synth(app.args, path.join(work, app.name)))]);
  templates = Object.fromEntries(APPS.map((app) => [app.name, findTemplates(path.join(work, app.name))]));
  real = Object.values(templates).flat();
  // AND the control: the sample template with an invalid SQS property value and a Ref to a missing resource
  control = path.join(work, 'control', 'broken.template.json');
  fs.mkdirSync(path.dirname(control));
  fs.writeFileSync(control, JSON.stringify(breakTemplate(readTemplate(templates['sample-sandbox'][0])), null, 1));
  acknowledgedRules = config.ignore_checks ?? [];

  // WHEN cfn-lint lints them all with the repository's config, and, apart, with the acknowledged rules on
  [report, audit] = await Promise.all([
    lintTemplates([...real, control]),
    lintTemplates(real, { mandatoryChecks: acknowledgedRules }),
  ]);
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const all = (r: LintReport) => [...r.errors, ...r.warnings, ...r.informational];
const show = (findings: Finding[]) => findings.map((f) => `${path.relative(work, f.file)}:${f.line} ${f.level} ${f.rule}${f.resource ? ` ${f.resource}:` : ''} ${f.message}`);

test('every app synthesizes its templates, the integration tests\' assertion stacks included', () => {
  for (const app of APPS) {
    const names = templates[app.name].map((t) => path.basename(t, '.template.json'));
    expect(names).toHaveLength(app.stacks.length);
    for (const stack of app.stacks) expect(names.some((n) => n.startsWith(stack))).toBe(true);
  }
});

test('cfn-lint finds no error, warning or informational finding in any synthesized template', () => {
  // THEN nothing but the control is reported (each finding: fix it, or acknowledge its rule in .cfnlintrc.yaml)
  expect(show(all(report).filter((f) => f.file !== control))).toEqual([]);
});

test('the control: cfn-lint reports errors in the broken copy of the sample template, naming each broken resource', () => {
  const errors = report.errors.filter((f) => f.file === control);
  const { queue, missingRef } = broken;
  expect(errors).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ rule: 'E3012', resource: queue, path: ['Resources', queue, 'Properties', 'VisibilityTimeout'] }),
      expect.objectContaining({ resource: missingRef.resource, message: expect.stringContaining(missingRef.target) }),
    ]),
  );
});

test('assertLintClean, for other tests, throws with the report naming each broken resource', async () => {
  const thrown = assertLintClean([control]);
  await expect(thrown).rejects.toThrow(/^cfn-lint: [1-9]\d* error/);
  await expect(thrown).rejects.toThrow(`E3012 ${broken.queue}:`);
  await expect(thrown).rejects.toThrow(`${broken.missingRef.resource}:`);
});

test('every rule acknowledged in .cfnlintrc.yaml is still needed, and covers only what its reason there says', () => {
  const unexplained = acknowledgedRules.filter((rule) => !ACKNOWLEDGED[rule]);
  expect(unexplained).toEqual([]); // a rule acknowledged in the config needs its scope here
  for (const [rule, { covers, test: inScope }] of Object.entries(ACKNOWLEDGED)) {
    expect(acknowledgedRules).toContain(rule);
    const found = all(audit).filter((f) => f.rule === rule);
    expect({ rule, found: found.length > 0 }).toEqual({ rule, found: true }); // none left: drop the acknowledgment
    const outside = found.filter((f) => !inScope(f, readTemplate(f.file)));
    expect({ rule, covers, outside: show(outside) }).toEqual({ rule, covers, outside: [] });
  }
});

function breakTemplate(template: Template): Template {
  const ids = Object.keys(template.Resources);
  broken.queue = ids.find((id) => template.Resources[id].Type === 'AWS::SQS::Queue')!;
  template.Resources[broken.queue].Properties = { ...template.Resources[broken.queue].Properties, VisibilityTimeout: 'five minutes' };
  broken.missingRef.resource = ids.find((id) => template.Resources[id].Type === 'AWS::Lambda::EventSourceMapping')!;
  const mapping = template.Resources[broken.missingRef.resource];
  mapping.Properties = { ...mapping.Properties, FunctionName: { Ref: broken.missingRef.target } };
  return template;
}

function readTemplate(file: string): Template {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Template;
}

function synth(args: string[], outdir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CDK, 'synth', '-q', '--no-notices', ...args, '--output', outdir], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`cdk synth ${args.join(' ')} failed (exit ${code}):\n${stderr}`))));
  });
}
