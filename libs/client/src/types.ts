/**
 * The gateway's public types, written by hand where the generated ones (./schema.ts, from the OpenAPI document) are too
 * loose: targets, updates and results as discriminated unions by `provider` + `kind`, every operation status. Everything
 * the generated types already say well (changes, webhook bodies, ...) is taken from them, so a regenerated schema flows
 * in. types.spec.ts checks at compile time that these stay assignable to and from the generated ones.
 */
import type { components } from './schema.js';

type Schemas = components['schemas'];

// ---------------------------------------------------------------------------------------------------------- targets
// (type literals, not interfaces: they stay assignable to `Record<string, unknown>`, as the generated `target` fields are)

/** A Gcore Cloud L7 policy. */
export type GcoreL7PolicyTarget = {
  provider: 'gcore';
  kind: 'l7policy';
  projectId: number;
  regionId: number;
  /** UUID of the L7 policy. */
  id: string;
};

/** A Gcore Cloud load balancer. */
export type GcoreLoadBalancerTarget = {
  provider: 'gcore';
  kind: 'loadbalancer';
  projectId: number;
  regionId: number;
  /** UUID of the load balancer. */
  id: string;
};

/** A policy of an Apinizer API proxy. */
export type ApinizerPolicyTarget = {
  provider: 'apinizer';
  kind: 'policy';
  projectName: string;
  apiProxyName: string;
  policyName: string;
};

/** What an update, a result or a lookup item is about, discriminated by `provider` and `kind`. */
export type Target = GcoreL7PolicyTarget | GcoreLoadBalancerTarget | ApinizerPolicyTarget;
export type Provider = Target['provider'];
/** The kinds one provider has: `TargetKind<'gcore'>` is `'l7policy' | 'loadbalancer'`. */
export type TargetKind<P extends Provider = Provider> = Extract<Target, { provider: P }>['kind'];
/** The target type of one provider and kind: `TargetOf<'gcore', 'l7policy'>` is GcoreL7PolicyTarget. */
export type TargetOf<P extends Provider, K extends TargetKind<P>> = Extract<Target, { provider: P; kind: K }>;

// ---------------------------------------------------------------------------------------------------------- updates

export type GcoreL7PolicyChanges = Schemas['GcoreL7PolicyChangesDto'];
export type GcoreLoadBalancerChanges = Schemas['GcoreLoadBalancerChangesDto'];
export type ApinizerPolicyChanges = Schemas['ApinizerPolicyChangesDto'];

export interface GcoreL7PolicyUpdate {
  target: GcoreL7PolicyTarget;
  changes: GcoreL7PolicyChanges;
}
export interface GcoreLoadBalancerUpdate {
  target: GcoreLoadBalancerTarget;
  changes: GcoreLoadBalancerChanges;
}
export interface ApinizerPolicyUpdate {
  target: ApinizerPolicyTarget;
  changes: ApinizerPolicyChanges;
}
/** One target with the changes its kind accepts. */
export type Update = GcoreL7PolicyUpdate | GcoreLoadBalancerUpdate | ApinizerPolicyUpdate;

/** Body of POST /v1/routing-policy-updates: `updates` (1..50), `dryRun`, `callbackUrl`, `reference`, ... */
export type UpdateRequest = Omit<Schemas['RoutingPolicyUpdateRequestDto'], 'updates'> & { updates: Update[] };

// ---------------------------------------------------------------------------------------------------------- operations

/** The statuses after which an operation never changes again. */
export const TERMINAL_OPERATION_STATUSES = ['SUCCEEDED', 'FAILED', 'PARTIALLY_SUCCEEDED', 'ROLLED_BACK', 'ROLLBACK_FAILED'] as const;
export type TerminalOperationStatus = (typeof TERMINAL_OPERATION_STATUSES)[number];
export type OperationStatus = 'PENDING' | 'RUNNING' | TerminalOperationStatus;
/** Status of one target of an operation (CANCELLED: a halted rollout never started it). */
export type ResultStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** Whether an operation (or its status) is final: SUCCEEDED, FAILED, PARTIALLY_SUCCEEDED, ROLLED_BACK or ROLLBACK_FAILED. */
export function isTerminal(operationOrStatus: { status: string } | string): boolean {
  const status = typeof operationOrStatus === 'string' ? operationOrStatus : operationOrStatus.status;
  return (TERMINAL_OPERATION_STATUSES as readonly string[]).includes(status);
}

export type PlannedCall = Schemas['PlannedCallDto'];
export type ResultError = Schemas['ResultErrorDto'];
export type ErrorCode = ResultError['code'];
export type GcoreResult = Schemas['GcoreResultDto'];
export type GcoreTaskState = Schemas['GcoreTaskStateDto'];
export type ApinizerResult = Schemas['ApinizerResultDto'];

type GeneratedResult = Schemas['OperationResultDto'];
/** What every result has, whatever its target (index, plan, error, and what the server adds later: before, applied, ...). */
type ResultCommon = Omit<GeneratedResult, 'target' | 'status' | 'changes' | 'gcore' | 'apinizer'> & { status: ResultStatus };

export interface GcoreL7PolicyResult extends ResultCommon {
  target: GcoreL7PolicyTarget;
  /** The changes as requested. */
  changes: GcoreL7PolicyChanges;
  /** Gcore's task ids and states. */
  gcore?: GcoreResult;
}
export interface GcoreLoadBalancerResult extends ResultCommon {
  target: GcoreLoadBalancerTarget;
  changes: GcoreLoadBalancerChanges;
  gcore?: GcoreResult;
}
export interface ApinizerPolicyResult extends ResultCommon {
  target: ApinizerPolicyTarget;
  changes: ApinizerPolicyChanges;
  /** Apinizer's answer status, deployment result and the merge base. */
  apinizer?: ApinizerResult;
}
/** The outcome for one target, typed by its kind (narrow with `hasTarget(result, 'gcore', 'l7policy')`). */
export type OperationResult = GcoreL7PolicyResult | GcoreLoadBalancerResult | ApinizerPolicyResult;

type GeneratedOperation = Schemas['OperationDto'];
/** An operation: one update request fanned out to its targets. */
export interface Operation extends Omit<GeneratedOperation, 'status' | 'results'> {
  status: OperationStatus;
  results: OperationResult[];
}

// ------------------------------------------------------------------------------------------------------- safe changes

export type RevertRequest = Schemas['RevertRequestDto'];
export type DriftItem = Schemas['DriftItemDto'];
export type DriftState = 'IN_SYNC' | 'DRIFTED' | 'NOT_FOUND' | 'NOT_APPLIED' | 'UNKNOWN' | 'ERROR';
export interface DriftResponse {
  items: DriftItem[];
}

export interface OperationPage {
  items: Operation[];
  /** Pass as `cursor` for the next page; null at the end. */
  nextCursor: string | null;
}

export interface ListOperationsQuery {
  status?: OperationStatus;
  /** Only operations with this `reference`. */
  reference?: string;
  /** 1..200 (server default 50). */
  limit?: number;
  /** `nextCursor` of the previous page, as it is. */
  cursor?: string;
}

/** One Server-Sent Event of the operation streams. */
export interface OperationEvent {
  /** The event id (resume point, sent back as Last-Event-ID on a reconnect). */
  id: string | undefined;
  event: 'operation.updated';
  /** The operation after the change. */
  data: Operation;
}

// ---------------------------------------------------------------------------------------------------------- lookup

type GeneratedLookupItem = Schemas['LookupItemDto'];
/** The current state of one target (`found`, unified `current` fields, the provider's raw object, or `error`). */
export type LookupItemOf<T extends Target> = Omit<GeneratedLookupItem, 'target'> & { target: T };
export type LookupItem = LookupItemOf<GcoreL7PolicyTarget> | LookupItemOf<GcoreLoadBalancerTarget> | LookupItemOf<ApinizerPolicyTarget>;
export interface LookupResponse {
  /** One item per target, in request order. */
  items: LookupItem[];
}

// ---------------------------------------------------------------------------------------------------------- webhooks

export type WebhookEventType = Schemas['CreateWebhookSubscriptionDto']['events'][number];
export type CreateSubscriptionRequest = Schemas['CreateWebhookSubscriptionDto'];
export type WebhookSubscription = Schemas['WebhookSubscriptionDto'];
/** The answer to a new subscription: the only time its `secret` is shown. */
export type CreatedWebhookSubscription = Schemas['CreatedWebhookSubscriptionDto'];
export type WebhookDelivery = Schemas['WebhookDeliveryDto'];
export type DeliveryAttempt = Schemas['DeliveryAttemptDto'];
export interface TestSubscriptionResult {
  /** Id of the `webhook.test` event sent. */
  eventId: string;
}
export interface RotatedSecret {
  /** The new signing secret, shown only here. */
  secret: string;
  /** Until then deliveries carry both signatures. */
  previousSecretValidUntil?: string;
}

// ---------------------------------------------------------------------------------------------------------- stream tokens

export interface StreamTokenRequest {
  /** Bind the token to this operation's stream. */
  operationId?: string;
}
/** A read-only token accepted only as `?access_token=` on the event streams, valid until `expiresAt` (at most 5 minutes). */
export interface StreamToken {
  token: string;
  /** ISO-8601. */
  expiresAt: string;
}

// ---------------------------------------------------------------------------------------------------------- errors

/** An RFC 9457 problem, as the gateway answers every error. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  /** Field errors: `path` like `updates[0].changes.redirectHttpCode`. */
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
}

// ---------------------------------------------------------------------------------------------------------- narrowing

/**
 * Narrows anything with a `target` (an update, a result, a lookup item) to one provider and kind: TypeScript does not
 * narrow a union by a nested field, so `if (hasTarget(result, 'apinizer', 'policy')) result.apinizer?.mergedFrom`.
 */
export function hasTarget<T extends { target: Target }, P extends Provider, K extends TargetKind<P>>(
  item: T,
  provider: P,
  kind: K,
): item is Extract<T, { target: { provider: P; kind: K } }> {
  return item.target.provider === provider && item.target.kind === kind;
}
