import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process, with every metric the gateway and worker report. */
export class ServiceMetrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly operationsCompleted = new Counter({
    name: 'operations_completed_total',
    help: 'Operations that reached a terminal status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly operationsAccepted = new Counter({
    name: 'operations_accepted_total',
    help: 'Operations accepted by the gateway',
    registers: [this.registry],
  });

  readonly providerCalls = new Histogram({
    name: 'provider_call_duration_seconds',
    help: 'Provider HTTP calls by provider, operation and status',
    labelNames: ['provider', 'operation', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly taskPolls = new Counter({
    name: 'gcore_task_polls_total',
    help: 'Gcore task GETs by observed state',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly taskSweeps = new Counter({
    name: 'gcore_task_sweeps_total',
    help: 'Sweeps of one Gcore project/region (one task listing) by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly webhookAttempts = new Counter({
    name: 'webhook_delivery_attempts_total',
    help: 'Outbound webhook attempts by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly circuitState = new Gauge({
    name: 'provider_circuit_state',
    help: 'Circuit breaker state per provider (0 closed, 1 half-open, 2 open)',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });

  readonly providerAvailable = new Gauge({
    name: 'provider_available',
    help: 'Whether a provider answers (1) or is in an outage (0: its calls fail with 502/503/504/429 or cannot connect), as last recorded',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });

  readonly providerOutageRetries = new Counter({
    name: 'provider_outage_retries_total',
    help: 'Targets scheduled to try again after a transient provider failure (outage tolerance), by provider',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'queue_jobs',
    help: 'Jobs per queue and state',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  readonly jobLatency = new Histogram({
    name: 'job_wait_seconds',
    help: 'Time from a job becoming ready to a worker taking it',
    labelNames: ['queue'] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60],
    registers: [this.registry],
  });

  constructor(withDefaults = true) {
    if (withDefaults) collectDefaultMetrics({ register: this.registry });
  }
}
