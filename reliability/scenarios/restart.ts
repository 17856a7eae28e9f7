/**
 * dynalite stopped and started again mid-run.
 */
import { demoMessages } from '../messages';
import { type Scenario, check, commonChecks, timed } from './scenario';

/** dynalite stopped and started again on the same port and on-disk store, mid-run. */
export const restart: Scenario = {
  id: 'emulator-restart',
  faults: ['DynamoDB emulator restart'],
  async run(h, scale, seed) {
    const id = 'emulator-restart';
    const { messages } = demoMessages(id, { events: scale.events * 2, subjects: scale.subjects, seed, malformedRate: 0 });
    const digests = new Set(messages.map((m) => m.digest));
    const resetsBefore = h.proxy.upstreamErrors;
    let downMs = 0;
    let restartedAt = 0;
    const { value: published, seconds } = await timed(async () => {
      const publishing = h.publish(messages);
      const acked = () => [...h.observer.acknowledged['state-projector']].filter((d) => digests.has(d)).length;
      const deadline = Date.now() + 60_000;
      while (acked() < messages.length / 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      restartedAt = acked();
      const started = Date.now();
      await h.pipeline.emulators.restartDynamodb();
      downMs = Date.now() - started;
      const out = await publishing;
      await h.drain();
      return out.published;
    });
    const report = await h.check(published);
    // What was injected: the functions' DynamoDB requests that hit the outage (dynalite refused or
    // reset the proxy's connection, and the proxy reset the function's). None means the restart
    // happened while nothing was writing, and proves nothing.
    const hitOutage = h.proxy.upstreamErrors - resetsBefore;
    const checks = [
      ...commonChecks(hitOutage, report, published.length, messages.length),
      check('the restart happened mid-run', restartedAt > 0 && restartedAt < messages.length, `after ${restartedAt} of ${messages.length} messages; dynalite down ${downMs} ms, ${hitOutage} DynamoDB requests hit the outage`),
    ];
    return [
      {
        id,
        fault: restart.faults[0],
        how: `dynalite stopped and restarted on its on-disk store after a quarter of the events (down ${downMs} ms); injected counts the DynamoDB requests that hit the outage`,
        injected: hitOutage,
        report,
        checks,
        seconds,
      },
    ];
  },
};
