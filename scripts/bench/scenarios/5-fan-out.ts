/** 5 webhook fan-out: a backlog of deliveries built while the delivery queue is paused, then drained by one worker. */
import { BenchContext } from '../context';
import { fmt, maxOf, waitFor } from '../lib';
import { cpuMeter, cpuNote } from '../meters';
import { addDurationFaults, forgetTaskDurations, submitMany, subscribe } from '../operations';

export async function scenarioFanOut({ config, stack, endpoints, http, receiver, results, policies: pool }: BenchContext): Promise<void> {
  const { subs, ops } = config.fanout;
  await forgetTaskDurations(stack.redis, stack.prefix);
  const deliveries = stack.queues['webhook-deliveries'];
  await deliveries.pause();
  const created: string[] = [];
  for (let k = 0; k < subs; k++) created.push((await subscribe(http, endpoints.receiver, `/hooks/fan/${k}`, ['operation.completed'])).id);
  const policies = pool.take(ops);
  await addDurationFaults(
    http,
    policies,
    policies.map(() => 0),
  );
  const fan0 = receiver.fanCount;
  const opIds = await submitMany(
    http,
    policies.map((policyId, i) => ({ policyId, name: `s5-${i}` })),
    16,
  );
  const expected = ops * (subs + 1); // + the main subscription
  await waitFor(
    'fan-out backlog',
    async () => {
      const c = await deliveries.getJobCounts('wait', 'paused', 'prioritized', 'delayed');
      return Object.values(c).reduce((a, b) => a + b, 0) >= expected;
    },
    60_000,
    100,
  );
  const t0 = Date.now();
  const cpu = cpuMeter(stack.children);
  await deliveries.resume();
  const doneOps = await receiver.waitCompleted(opIds, 120_000);
  await waitFor('fan-out deliveries', () => receiver.fanCount - fan0 >= ops * subs, 120_000, 20).catch(() => undefined);
  const cpuUse = cpu();
  const lastMain = maxOf(opIds.map((id) => receiver.completions.get(id)?.at ?? 0));
  const t1 = Math.max(receiver.fanLastAt, lastMain);
  const delivered = receiver.fanCount - fan0 + doneOps;
  const perS = delivered / ((t1 - t0) / 1000);
  for (const id of created) await http.api('DELETE', `/v1/webhook-subscriptions/${id}`);
  results.details.fanout = { subscriptions: subs + 1, ops, expected, delivered, seconds: (t1 - t0) / 1000, perS, cpuPercent: cpuUse };
  const note = `${delivered}/${expected} delivered in ${fmt((t1 - t0) / 1000, 2)} s to ${subs + 1} endpoints; ${cpuNote(cpuUse)}`;
  results.row({
    scenario: '5 fan-out',
    figure: 'webhook deliveries per second (1 worker)',
    value: perS,
    unit: '/s',
    baseline: null,
    ratio: null,
    goal: '≥ 2,000/s',
    met: perS >= 2000 && delivered >= expected,
    note,
  });
}
