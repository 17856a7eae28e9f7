/**
 * cfn-lint, AWS's CloudFormation template linter, for the tests: the pinned version in a
 * virtualenv of its own (.venv/cfn-lint/, gitignored), made on first use from
 * requirements-cfn-lint.txt and reused while that file is unchanged (test/helpers/python-venv.ts);
 * the repository's .cfnlintrc.yaml (regions, acknowledged rules) applies.
 *
 *   const report = await lintTemplates(findTemplates(outdir));   // errors, warnings, informational, output
 *   await assertLintClean(findTemplates(outdir));                 // throws with the full report on any finding
 *
 * The virtualenv is made with `python3 -m venv` (CFN_LINT_PYTHON names another interpreter).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ensureVirtualenv, ROOT, runCommand as run } from './python-venv';

export const REQUIREMENTS = path.join(ROOT, 'requirements-cfn-lint.txt');
export const CONFIG_FILE = path.join(ROOT, '.cfnlintrc.yaml');
export const VENV = path.join(ROOT, '.venv', 'cfn-lint');
const PYTHON = process.env.CFN_LINT_PYTHON ?? 'python3';

export type Level = 'Error' | 'Warning' | 'Informational';

/** One finding, as cfn-lint's JSON format gives it. */
export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly level: Level;
  /** The rule id, e.g. E3002. */
  readonly rule: string;
  readonly message: string;
  /** Where in the template, e.g. ['Resources', 'Queue4A7E3555', 'Properties', 'VisibilityTimeout']. */
  readonly path: readonly (string | number)[];
  /** The logical id of the resource, when the finding is in one. */
  readonly resource?: string;
}

export interface LintReport {
  readonly errors: Finding[];
  readonly warnings: Finding[];
  readonly informational: Finding[];
  /** Every finding, one a line (file:line:column level rule resource: message), or '' when there are none. */
  readonly output: string;
}

export interface LintOptions {
  /** @default the repository's .cfnlintrc.yaml */
  readonly configFile?: string;
  /** Rules to run even where the config ignores them (cfn-lint --mandatory-checks). @default none */
  readonly mandatoryChecks?: readonly string[];
}

/** Every `*.template.json` under `dir`, nested assemblies (assembly-*) included, sorted. */
export function findTemplates(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((f) => f.endsWith('.template.json'))
    .map((f) => path.join(dir, f))
    .sort();
}

/** Lints the templates with the pinned cfn-lint (installed on first use) and sorts the findings by level. */
export async function lintTemplates(paths: readonly string[], options: LintOptions = {}): Promise<LintReport> {
  if (paths.length === 0) throw new Error('lintTemplates: no templates given');
  const cfnLint = await ensureCfnLint();
  const args = ['--config-file', options.configFile ?? CONFIG_FILE, '--format', 'json'];
  if (options.mandatoryChecks?.length) args.push('--mandatory-checks', ...options.mandatoryChecks);
  const { code, stdout, stderr } = await run(cfnLint, [...args, '--', ...paths], ROOT);
  // The exit code is a bit set of the levels found (2 error, 4 warning, 8 informational); 1 or
  // anything else is cfn-lint itself failing (a bad config, an unreadable template).
  if (code === null || (code & ~(2 | 4 | 8)) !== 0) {
    throw new Error(`cfn-lint failed (exit ${code}):\n${stderr}${stdout}`);
  }
  let raw: RawFinding[];
  try {
    raw = JSON.parse(stdout) as RawFinding[];
  } catch {
    throw new Error(`cfn-lint printed no JSON report (exit ${code}):\n${stderr}${stdout}`);
  }
  const findings = raw.map(toFinding);
  const at = (level: Level) => findings.filter((f) => f.level === level);
  return { errors: at('Error'), warnings: at('Warning'), informational: at('Informational'), output: findings.map(formatFinding).join('\n') };
}

/** Lints the templates and throws, with the full report, if cfn-lint finds anything. */
export async function assertLintClean(paths: readonly string[], options: LintOptions = {}): Promise<void> {
  const report = await lintTemplates(paths, options);
  const { errors, warnings, informational } = report;
  if (errors.length + warnings.length + informational.length > 0) {
    throw new Error(
      `cfn-lint: ${errors.length} error(s), ${warnings.length} warning(s), ${informational.length} informational ` +
        `(fix them, or acknowledge a rule with its reason in .cfnlintrc.yaml):\n${report.output}`,
    );
  }
}

/** The config file, parsed by the virtualenv's own YAML parser. */
export async function readConfig(configFile = CONFIG_FILE): Promise<{ regions?: string[]; ignore_checks?: string[]; include_checks?: string[] }> {
  await ensureCfnLint();
  const script = 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding="utf-8")) or {}))';
  const { code, stdout, stderr } = await run(path.join(VENV, 'bin', 'python'), ['-c', script, configFile], ROOT);
  if (code !== 0) throw new Error(`cannot read ${configFile}:\n${stderr}`);
  return JSON.parse(stdout);
}

/** The cfn-lint executable of the virtualenv, made first if it is missing or holds other requirements. */
export async function ensureCfnLint(): Promise<string> {
  const venv = await ensureVirtualenv({ dir: VENV, requirements: REQUIREMENTS, python: PYTHON });
  return path.join(venv, 'bin', 'cfn-lint');
}

interface RawFinding {
  Filename: string;
  Level: Level;
  Location: { Start: { LineNumber: number; ColumnNumber: number }; Path?: (string | number)[] };
  Message: string;
  Rule: { Id: string };
}

function toFinding(f: RawFinding): Finding {
  const where = f.Location.Path ?? [];
  return {
    file: f.Filename,
    line: f.Location.Start.LineNumber,
    column: f.Location.Start.ColumnNumber,
    level: f.Level,
    rule: f.Rule.Id,
    message: f.Message,
    path: where,
    resource: where[0] === 'Resources' && typeof where[1] === 'string' ? where[1] : undefined,
  };
}

function formatFinding(f: Finding): string {
  return `${path.relative(process.cwd(), f.file)}:${f.line}:${f.column} ${f.level} ${f.rule}${f.resource ? ` ${f.resource}:` : ''} ${f.message}`;
}
