import { Inject, Injectable } from '@nestjs/common';
import { REDIS, RedisKeys, RedisClient } from '@rpg/redis';

const MIN_SAMPLES = 5;
const ALPHA = 0.2;

/**
 * Learns how long each Gcore task_type usually takes (exponentially weighted mean and mean deviation, shared by all
 * workers in one Redis hash). The schedule uses it only when durations are steady (deviation under a quarter of the
 * mean): then it sleeps until shortly before the expected finish and polls densely around it.
 */
@Injectable()
export class TaskDurationModel {
  private cache = new Map<string, { value: number | undefined; at: number }>();

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  private get key(): string {
    return this.keys.key('tasktypes');
  }

  async record(task: { task_type: string; created_on?: string | null; finished_on?: string | null }): Promise<void> {
    if (!task.created_on || !task.finished_on) return;
    const duration = parseNaiveUtc(task.finished_on) - parseNaiveUtc(task.created_on);
    if (!Number.isFinite(duration) || duration < 0) return;
    const raw = await this.redis.hget(this.key, task.task_type);
    const s = raw ? (JSON.parse(raw) as { n: number; mean: number; dev: number }) : { n: 0, mean: duration, dev: duration / 2 };
    const mean = s.n === 0 ? duration : s.mean + ALPHA * (duration - s.mean);
    const dev = s.n === 0 ? duration / 2 : s.dev + ALPHA * (Math.abs(duration - s.mean) - s.dev);
    await this.redis.hset(this.key, task.task_type, JSON.stringify({ n: s.n + 1, mean, dev }));
  }

  async expectedMs(taskType: string | undefined): Promise<number | undefined> {
    if (!taskType) return undefined;
    const hit = this.cache.get(taskType);
    if (hit && Date.now() - hit.at < 10_000) return hit.value;
    const raw = await this.redis.hget(this.key, taskType);
    let value: number | undefined;
    if (raw) {
      const s = JSON.parse(raw) as { n: number; mean: number; dev: number };
      if (s.n >= MIN_SAMPLES && s.dev < s.mean / 4) value = s.mean;
    }
    this.cache.set(taskType, { value, at: Date.now() });
    return value;
  }
}

/** Gcore task timestamps are naive (`2026-05-23T05:07:31`); they are UTC. A zone, when present, is respected. */
function parseNaiveUtc(value: string): number {
  return Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`);
}
