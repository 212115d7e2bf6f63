import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { REDIS, RedisKeys, RedisClient } from '@rpg/redis';

const MIN_SAMPLES = 5;
const ALPHA = 0.2;

/** How long finished tasks' durations wait in this process before they are folded into the shared model at once. */
const FLUSH_AFTER_MS = 1_000;

interface DurationStats {
  n: number;
  mean: number;
  dev: number;
}

/**
 * Learns how long each Gcore task_type usually takes (exponentially weighted mean and mean deviation, shared by all
 * workers in one Redis hash). The schedule uses it only when durations are steady (deviation under a quarter of the
 * mean): then it sleeps until shortly before the expected finish and polls densely around it.
 */
@Injectable()
export class TaskDurationModel implements BeforeApplicationShutdown {
  private cache = new Map<string, { value: number | undefined; at: number }>();
  /** Durations seen since the last flush, per task type: one read and one write per type and second, not per task. */
  private pending = new Map<string, number[]>();
  private flushTimer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  private get key(): string {
    return this.keys.key('tasktypes');
  }

  /** Notes a finished task's duration; folded into the shared model within FLUSH_AFTER_MS (a model: a crash loses a second of samples). */
  record(task: { task_type: string; created_on?: string | null; finished_on?: string | null }): void {
    if (!task.created_on || !task.finished_on) return;
    const duration = parseNaiveUtc(task.finished_on) - parseNaiveUtc(task.created_on);
    if (!Number.isFinite(duration) || duration < 0) return;
    const seen = this.pending.get(task.task_type);
    if (seen) seen.push(duration);
    else this.pending.set(task.task_type, [duration]);
    this.flushTimer ??= setTimeout(() => void this.flush(), FLUSH_AFTER_MS).unref();
  }

  /** Folds the pending durations into the shared model, in the order they were seen (a lost race costs samples, never the model). */
  flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.flushing.then(async () => {
      for (const [taskType, durations] of batch) {
        try {
          const raw = await this.redis.hget(this.key, taskType);
          let stats = raw ? (JSON.parse(raw) as DurationStats) : undefined;
          for (const duration of durations) stats = folded(stats, duration);
          await this.redis.hset(this.key, taskType, JSON.stringify(stats));
        } catch {
          // Redis away: these samples are lost, the model stays as it was
        }
      }
    });
    return this.flushing;
  }

  /** Before the connections close (they quit in onApplicationShutdown). */
  beforeApplicationShutdown(): Promise<void> {
    return this.flush();
  }

  async expectedMs(taskType: string | undefined): Promise<number | undefined> {
    if (!taskType) return undefined;
    const hit = this.cache.get(taskType);
    if (hit && Date.now() - hit.at < 10_000) return hit.value;
    const raw = await this.redis.hget(this.key, taskType);
    let value: number | undefined;
    if (raw) {
      const s = JSON.parse(raw) as DurationStats;
      if (s.n >= MIN_SAMPLES && s.dev < s.mean / 4) value = s.mean;
    }
    this.cache.set(taskType, { value, at: Date.now() });
    return value;
  }
}

/** One more sample in the exponentially weighted mean and mean deviation. */
function folded(s: DurationStats | undefined, duration: number): DurationStats {
  if (!s || s.n === 0) return { n: 1, mean: duration, dev: duration / 2 };
  return { n: s.n + 1, mean: s.mean + ALPHA * (duration - s.mean), dev: s.dev + ALPHA * (Math.abs(duration - s.mean) - s.dev) };
}

/** Gcore task timestamps are naive (`2026-05-23T05:07:31`); they are UTC. A zone, when present, is respected. */
function parseNaiveUtc(value: string): number {
  return Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`);
}
