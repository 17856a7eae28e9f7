import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findTemplates, lintTemplates } from '../helpers/cfn-lint';
import { ROOT } from './consumer-project';
import { ConsumerStack, expectAssetsStaged, expectResourceCounts, IMPORTED_TOPIC_ARN } from './consumer-stack';
import {
  buildLanguagePackages,
  createJavaProject,
  createPythonProject,
  floorOf,
  LanguagePackages,
  library,
  resolvedJar,
  synthJavaApp,
  synthPythonApp,
} from './language-projects';

// The constructs from Python and Java: the packages `npm run package` builds,
// used by an app written in each language against the oldest aws-cdk-lib and
// constructs the peer ranges allow, synthesize the same stack as the
// TypeScript consumer (consumer.test.ts). The build comes first, then Python,
// then Java, one after the other. Cold, with empty pip and Maven caches, this
// downloads aws-cdk-lib for both languages.
jest.setTimeout(20 * 60_000);

let work: string;
let packages: LanguagePackages;
const timings: string[] = [];

/** Runs `step` and notes how long it took. */
function timed<T>(name: string, step: () => T): T {
  const started = Date.now();
  try {
    return step();
  } finally {
    timings.push(`${name} ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-event-pipeline-languages-'));
  expect(path.relative(ROOT, work).startsWith('..')).toBe(true);
  const build = path.join(work, 'package');
  fs.mkdirSync(build);
  packages = timed('build (jsii, jsii-pacmak python and java)', () => buildLanguagePackages(build));
});

afterAll(() => {
  process.stdout.write(`languages.test.ts: ${timings.join(', ')}\n`);
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const { name, version, peerDependencies } = library();
const floors = Object.entries(peerDependencies).map(([peer, range]) => `${peer}@${floorOf(range)}`);

/** The checks each language's app must pass: the TypeScript consumer's stack, on the floor versions. */
function describeConsumerStack(stack: () => ConsumerStack) {
  test(`runs the package through jsii on ${floors.join(' and ')}`, () => {
    expect(stack().constructLibraries()).toEqual([...floors, `${name}@${version}`].sort());
  });

  test('the same resources as the TypeScript consumer: a key, four queues, two functions and two tables per pipeline', () => {
    expectResourceCounts(stack());
  });

  test('the props the app gave arrive: the imported topic, batch sizes, filter policies, retention, its own projector', () => {
    const s = stack();
    expect(s.wiringOf('OrdersEventLog').subscription.TopicArn).toBe(IMPORTED_TOPIC_ARN);
    expect(s.wiringOf('OrdersEventLog').mapping).toMatchObject({ BatchSize: 200, MaximumBatchingWindowInSeconds: 5 });
    expect(s.wiringOf('OrdersStateProjector').mapping).toMatchObject({ BatchSize: 5 });
    expect(s.wiringOf('OrdersEventLog').subscription.FilterPolicy).toEqual({ type: ['order.created', 'order.paid'] });
    expect(s.wiringOf('OrdersStateProjector').subscription.FilterPolicy).toEqual({ type: ['order.paid', 'order.cancelled'] });
    expect(s.fn('OrdersEventLog').Properties.Environment.Variables.EVENT_RETENTION_DAYS).toBe('90');
    expect(s.fn('OrdersStateProjector').Properties).toMatchObject({ Timeout: 10, Environment: { Variables: { PROJECTION: 'orders' } } });
    expect(s.wiringOf('ParcelsEventLog').mapping).toMatchObject({ BatchSize: 100, MaximumBatchingWindowInSeconds: 1 });
  });

  test("cfn-lint finds no error and no warning in the app's template", async () => {
    const report = await lintTemplates(findTemplates(stack().outdir));
    expect(report.errors.concat(report.warnings)).toEqual([]);
    // As in consumer.test.ts: aws-cdk-lib 2.263's Fn::Join for an ARN with a literal account is its only remark.
    expect([...new Set(report.informational.map((f) => f.rule))]).toEqual(report.informational.length ? ['I1022'] : []);
  });

  test('every asset the asset manifest lists is in cdk.out; the default handlers are the bundles the package ships', () => {
    const s = stack();
    expectAssetsStaged(s);
    const staged = (prefix: string) => fs.readFileSync(path.join(s.stagedCodeOf(prefix), 'index.js'), 'utf8');
    const shipped = (bundle: string) => fs.readFileSync(path.join(ROOT, 'assets', bundle, 'index.js'), 'utf8');
    expect(staged('ParcelsEventLog')).toBe(shipped('event-log'));
    expect(staged('ParcelsStateProjector')).toBe(shipped('state-projector'));
    expect(staged('OrdersStateProjector')).toBe(fs.readFileSync(path.join(__dirname, 'app', 'handlers', 'order-projector', 'index.js'), 'utf8'));
  });
}

describe('a Python app', () => {
  let stack: ConsumerStack;
  beforeAll(() => {
    // GIVEN the wheel, installed into a fresh virtualenv with the app's requirements
    const dir = path.join(work, 'python-app');
    timed('python: virtualenv and pip install', () => createPythonProject(dir, packages.wheel));

    // WHEN the app synthesizes
    const outdir = path.join(dir, 'cdk.out');
    timed('python: synth', () => synthPythonApp(dir, outdir));
    stack = ConsumerStack.read(outdir);
  });

  describeConsumerStack(() => stack);
});

describe('a Java app', () => {
  let stack: ConsumerStack;
  beforeAll(() => {
    // GIVEN the app's Maven project, with the package's repository from dist/java
    const dir = path.join(work, 'java-app');
    createJavaProject(dir);

    // WHEN Maven compiles and runs the app
    const outdir = path.join(dir, 'cdk.out');
    timed('java: mvn compile exec:java', () => synthJavaApp(dir, outdir, packages.mavenRepository));
    stack = ConsumerStack.read(outdir);
  });

  test('Maven resolved the jar that was just built', () => {
    expect(fs.readFileSync(resolvedJar()).equals(fs.readFileSync(packages.jar))).toBe(true);
  });

  describeConsumerStack(() => stack);
});
