import { UsageError, parseArgs } from '../../packages/tools/src/local/args';

describe('parseArgs', () => {
  test('defaults', () => {
    expect(parseArgs([])).toMatchObject({ events: 1000, subjects: 50, timeScale: 1, keep: false, quiet: false, cdkOut: 'cdk.out' });
  });

  test('reads every option, with a space or an equals sign', () => {
    const options = parseArgs([
      '--events', '200', '--subjects=20', '--time-scale', '0.01', '--keep', '--quiet', '--no-synth', '--cdk-out', 'out',
    ]);
    expect(options).toMatchObject({ events: 200, subjects: 20, timeScale: 0.01, keep: true, quiet: true, synth: false, cdkOut: 'out' });
  });

  test('fewer events than the default subjects spreads them over one subject each, instead of refusing a value never given', () => {
    expect(parseArgs(['--events', '1'])).toMatchObject({ events: 1, subjects: 1 });
    expect(parseArgs(['--events', '30'])).toMatchObject({ events: 30, subjects: 30 });
  });

  test('--endpoints-file names where --keep writes the endpoints', () => {
    expect(parseArgs(['--keep', '--endpoints-file', 'run-2.json']).endpointsFile).toBe('run-2.json');
  });

  test('--api-share sets the share of subjects published through the Events API; --no-api turns it off', () => {
    expect(parseArgs([]).apiShare).toBe(0.3);
    expect(parseArgs(['--api-share', '0.5']).apiShare).toBe(0.5);
    expect(parseArgs(['--api-share', '0']).apiShare).toBe(0);
    expect(parseArgs(['--no-api']).apiShare).toBe(0);
  });

  test('--no-demo serves only, so it keeps running; --topic names the demo topic', () => {
    expect(parseArgs(['--no-demo'])).toMatchObject({ demo: false, keep: true });
    expect(parseArgs([])).toMatchObject({ demo: true, keep: false });
    expect(parseArgs(['--topic', 'parcels']).topic).toBe('parcels');
  });

  test('event-pipeline local: --app, no default assembly, and the time scale npm start passes', () => {
    const options = parseArgs(['--app', '../shop'], 'command');
    expect(options).toMatchObject({ app: '../shop', timeScale: 0.01, demo: true });
    expect(options.cdkOut).toBeUndefined();
    // npm start runs this repository's app: it has no --app.
    expect(() => parseArgs(['--app', '../shop'])).toThrow('unknown option --app');
  });

  test.each([
    [['--api-share', '1.5'], /--api-share must be a number from 0 to 1 \(got 1\.5\)/],
    [['--api-share', '-0.1'], /--api-share must be a number >= 0/],
    [['--events', '0'], /--events must be a whole number >= 1 \(got 0\)/],
    [['--events', '1.5'], /--events must be a whole number/],
    [['--time-scale', '0'], /--time-scale must be a number > 0/],
    [['--events'], /--events needs a value/],
    [['--frobnicate'], /unknown option --frobnicate/],
    [['--events', '5', '--subjects', '6'], /--subjects \(6\) cannot exceed --events \(5\)/],
  ])('%j is refused', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});
