import { Injectable, Logger } from '@nestjs/common';
import { JobProducer, QUEUES, RepeatingErrorLog, classifyJobError, internalErrorLogLine } from '@rpg/queues';
import { RunWebhookLaneUseCase } from './usecases/run-webhook-lane/run-webhook-lane.usecase';
import { LANE_LEASE_MS, WebhookDelivery, WebhookDeliveryStore } from './webhook-delivery.store';

/** How often a worker looks for lanes whose lease ran out (their runner went away). */
const SWEEP_EVERY_MS = 5_000;
const SWEEP_BATCH = 100;
/** Lanes one process sends at once (as many as webhook-deliveries jobs one worker runs at once); more wait their turn. */
const MAX_RUNS = 100;
/** How long a stopping worker waits for the attempts it has in flight (their lanes' leases cover the rest). */
const STOP_WAIT_MS = 5_000;

/**
 * Where lanes are sent from. In the worker (runHere), a lane that begins is sent by this process at once, without a
 * job: its lease (taken when it began) is what brings it back if this process dies — a sweep of every worker takes over
 * lanes whose lease ran out. A retry is a delivery job due then (the lane's run goes on in that job). Elsewhere (the
 * gateway: a test event) and for a delivery without a lane, a run is a delivery job.
 */
@Injectable()
export class WebhookLaneRunner {
  private readonly logger = new Logger('WebhookDeliveries');
  private readonly errors = new RepeatingErrorLog(this.logger, 'webhook lane run stopped (its lease brings it back)');
  private here = false;
  private stopping = false;
  /** Lanes sent (or waiting for their turn) in this process: a sweep leaves them alone. */
  private readonly lanes = new Set<string>();
  /** A lane that began again while its previous run here was ending (it had just emptied it): run once that one ends. */
  private readonly again = new Map<string, Parameters<WebhookLaneRunner['launch']>>();
  private readonly runs = new Set<Promise<void>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private sweeper?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly deliveries: WebhookDeliveryStore,
    private readonly runLane: RunWebhookLaneUseCase,
    private readonly jobs: JobProducer,
  ) {}

  /** The worker: lanes that begin in this process are sent from it, and lanes whose runner went away are taken over. */
  runHere(): void {
    this.here = true;
    void this.sweep();
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_EVERY_MS).unref();
  }

  /** Stops taking lanes; waits a little for the attempts in flight. A lane left unfinished is taken over by the next sweep. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweeper);
    for (const wake of this.waiting.splice(0)) wake();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)));
    await Promise.race([Promise.allSettled([...this.runs]), timeout]);
    clearTimeout(timer);
  }

  /**
   * Runs that begin: `starts` are delivery ids among `created` (the deliveries just created, in lane order: a run sends
   * those of its lane without reading them), their leases running to `leaseUntil`.
   */
  async start(starts: string[], created: readonly WebhookDelivery[], leaseUntil: number): Promise<void> {
    const viaJobs: string[] = [];
    for (const id of starts) {
      const first = created.find((d) => d.id === id);
      const lane = first?.lane;
      if (first && lane && this.here && !this.stopping)
        this.launch(
          lane,
          first,
          leaseUntil,
          created.filter((d) => d.lane === lane),
        );
      else viaJobs.push(id);
    }
    await this.jobs.enqueueWebhookDeliveries(viaJobs);
  }

  private launch(lane: string, start: WebhookDelivery | string, leaseUntil: number, known: readonly WebhookDelivery[] = []): void {
    if (this.lanes.has(lane)) {
      if (typeof start !== 'string') this.again.set(lane, [lane, start, leaseUntil, known]);
      return;
    }
    this.lanes.add(lane);
    const run = this.run(lane, start, leaseUntil, known).finally(() => {
      this.lanes.delete(lane);
      this.runs.delete(run);
      const next = this.again.get(lane);
      this.again.delete(lane);
      if (next) this.launch(...next);
    });
    this.runs.add(run);
  }

  private async run(lane: string, start: WebhookDelivery | string, leaseUntil: number, known: readonly WebhookDelivery[]): Promise<void> {
    if (this.running >= MAX_RUNS) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      if (this.stopping) {
        await this.deliveries.releaseLease(lane);
        return;
      }
      const outcome = await this.runLane.execute({ start, known, leaseUntil, stopping: () => this.stopping });
      if (outcome.kind === 'retry') {
        await this.jobs.enqueueWebhookDeliveryRetry(outcome.delivery.id, outcome.delivery.attempts.length, outcome.delayMs);
      }
    } catch (error) {
      // Redis away: reported once per burst; either way the lane's lease brings it back to a sweep
      if (classifyJobError(error) !== 'internal') this.errors.report(error);
      else {
        const [fields] = internalErrorLogLine({ queueName: QUEUES.webhookDeliveries, name: 'lane run', id: lane }, { lane }, error);
        this.logger.error(fields, 'webhook lane run failed: internal error; the lane is taken over once its lease runs out');
      }
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  /** Takes over the lanes whose lease ran out (their runner died, or stopped and left them). */
  private async sweep(): Promise<void> {
    if (this.sweeping || this.stopping) return;
    this.sweeping = true;
    try {
      const now = Date.now();
      for (const lane of await this.deliveries.dueLanes(now, SWEEP_BATCH)) {
        if (this.lanes.has(lane) || this.stopping) continue;
        const leaseUntil = now + LANE_LEASE_MS;
        const head = await this.deliveries.claimLane(lane, now, leaseUntil);
        if (!head) continue;
        this.logger.warn({ lane, deliveryId: head }, 'webhook lane taken over: its runner went away');
        this.launch(lane, head, leaseUntil);
      }
    } catch (error) {
      this.errors.report(error);
    } finally {
      this.sweeping = false;
    }
  }
}
