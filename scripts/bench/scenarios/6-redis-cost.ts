/**
 * 6 Redis cost: INFO commandstats deltas (minus the idle rate) per operation (accept → delivered webhook) and per
 * poll (a window after the writes and before the first task finishes, when polls are all the work there is).
 */
import { BenchContext } from '../context';
import { callsDelta, fmt, sleep, waitFor } from '../lib';
import { redisStats } from '../meters';
import { addDurationFaults, forgetTaskDurations, sandboxCounts, sandboxTasks, submitMany } from '../operations';

export async function scenarioRedisCost({ config, stack, http, receiver, results, policies: pool }: BenchContext): Promise<void> {
  const { ops, taskMs, idleMs } = config.cost;
  const { redis } = stack;
  await forgetTaskDurations(redis, stack.prefix);
  await sleep(500);
  const i0 = await redisStats(redis);
  await sleep(idleMs);
  const i1 = await redisStats(redis);
  const idle = callsDelta(i0, i1);
  const idlePerMs = idle.total / (i1.at - i0.at);
  const idleScriptsPerMs = idle.scripts / (i1.at - i0.at);

  const policies = pool.take(ops);
  await addDurationFaults(
    http,
    policies,
    policies.map(() => taskMs),
  );
  const since = (await sandboxTasks(http, 0)).next;
  const c0 = await sandboxCounts(http);
  const A = await redisStats(redis);
  const opIds = await submitMany(
    http,
    policies.map((policyId, i) => ({ policyId, name: `s6-${i}` })),
    16,
  );
  await waitFor('s6 writes', async () => (await sandboxCounts(http)).l7Patches >= c0.l7Patches + ops, 30_000, 50);
  const writesDone = Date.now();
  const notes = (await sandboxTasks(http, since)).tasks.filter((t) => t.name?.startsWith('s6-'));
  const firstFinish = Math.min(...notes.map((t) => t.finishAtMs));
  await sleep(writesDone + 1500 - Date.now());
  const B = await redisStats(redis);
  const cB = await sandboxCounts(http);
  await sleep(firstFinish - 300 - Date.now());
  const C = await redisStats(redis);
  const cC = await sandboxCounts(http);
  const done = await receiver.waitCompleted(opIds, taskMs + 30_000);
  await sleep(1000); // the delivery's own bookkeeping after the 200
  const D = await redisStats(redis);
  const cD = await sandboxCounts(http);

  const all = callsDelta(A, D);
  const opCommands = (all.total - idlePerMs * (D.at - A.at)) / ops;
  const opScripts = (all.scripts - idleScriptsPerMs * (D.at - A.at)) / ops;
  const window = callsDelta(B, C);
  const polls = cC.taskGets - cB.taskGets;
  const pollCommands = polls > 0 && C.at - B.at > 500 ? (window.total - idlePerMs * (C.at - B.at)) / polls : null;
  const pollScripts = polls > 0 && C.at - B.at > 500 ? (window.scripts - idleScriptsPerMs * (C.at - B.at)) / polls : null;
  const pollsPerOp = (cD.taskGets - c0.taskGets) / ops;
  const perOpBy: Record<string, number> = {};
  for (const [cmd, n] of Object.entries(all.byCommand)) perOpBy[cmd] = Math.round((n / ops) * 100) / 100;
  const perPollBy: Record<string, number> = {};
  if (polls > 0) for (const [cmd, n] of Object.entries(window.byCommand)) perPollBy[cmd] = Math.round((n / polls) * 100) / 100;
  const fixed = pollCommands !== null ? opCommands - pollsPerOp * pollCommands : null;
  results.details.redisCost = {
    ops,
    completed: done,
    taskMs,
    idleCommandsPerS: idlePerMs * 1000,
    pollsPerOp,
    perOp: { commands: opCommands, scriptCalls: opScripts, fixedExclPolls: fixed, redisCpuMs: ((D.cpuS - A.cpuS) * 1000) / ops, byCommand: perOpBy },
    perPoll: { commands: pollCommands, scriptCalls: pollScripts, windowMs: C.at - B.at, polls, byCommand: perPollBy },
  };
  const note = `incl. commands inside Lua; ${fmt(pollsPerOp)} polls/op (${taskMs / 1000} s tasks); ${done}/${ops} done`;
  results.row({
    scenario: '6 redis',
    figure: 'commands per op (accept → webhook delivered)',
    value: opCommands,
    unit: 'cmds',
    baseline: null,
    ratio: null,
    goal: 'report',
    note,
  });
  results.row({
    scenario: '6 redis',
    figure: '  of which script calls (EVALSHA) per op',
    value: opScripts,
    unit: 'calls',
    baseline: null,
    ratio: null,
    goal: 'report',
  });
  results.row({ scenario: '6 redis', figure: '  fixed part (op minus its polls)', value: fixed, unit: 'cmds', baseline: null, ratio: null, goal: 'report' });
  const windowNote = `${polls} polls in a ${Math.round((C.at - B.at) / 100) / 10} s window`;
  results.row({
    scenario: '6 redis',
    figure: 'commands per task poll',
    value: pollCommands,
    unit: 'cmds',
    baseline: null,
    ratio: null,
    goal: 'report',
    note: windowNote,
  });
  results.row({
    scenario: '6 redis',
    figure: '  of which script calls per poll',
    value: pollScripts,
    unit: 'calls',
    baseline: null,
    ratio: null,
    goal: 'report',
  });
}
