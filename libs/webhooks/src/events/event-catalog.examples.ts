/**
 * The examples of the event catalog (event-catalog.ts): realistic bodies, as the gateway sends them. Kept apart from the
 * schemas they illustrate; ids come from OperationEventPublisher's own helpers. The unit spec checks each example
 * against its schema; the e2e spec checks real deliveries against the same schemas.
 */
import { EVENT_TYPES, OperationEventPublisher } from '@rpg/operations';
import type { CatalogEventType, Json, JsonObject } from './event-catalog';

const OP_ID = 'op_01KBG2N6Q9X4TTR8M3ZC5V7WQE';
const OP_AT = { createdAt: '2026-12-02T10:15:03.412Z', updatedAt: '2026-12-02T10:15:05.118Z', completedAt: '2026-12-02T10:15:05.118Z' };
const L7_TARGET: JsonObject = { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 76, id: 'd1b2c3d4-0000-4000-8000-000000000001' };
const L7_TARGET_2: JsonObject = { ...L7_TARGET, id: 'd1b2c3d4-0000-4000-8000-000000000002' };
const L7_BEFORE: JsonObject = {
  name: 'redirect-to-old-site',
  action: 'REDIRECT_TO_URL',
  position: 1,
  redirectUrl: 'https://old.example.com',
  redirectHttpCode: 301,
  tags: ['web'],
};

const SUCCEEDED_RESULT: JsonObject = {
  index: 0,
  target: L7_TARGET,
  status: 'SUCCEEDED',
  changes: { name: 'redirect-to-new-site', redirectUrl: 'https://new.example.com' },
  before: L7_BEFORE,
  applied: { ...L7_BEFORE, name: 'redirect-to-new-site', redirectUrl: 'https://new.example.com' },
  gcore: { taskIds: ['0f4c7c1e-8b9e-4c1a-9d6e-2f0d3c1a7b21'], tasks: [{ id: '0f4c7c1e-8b9e-4c1a-9d6e-2f0d3c1a7b21', state: 'FINISHED', error: null }] },
};

const SUCCEEDED_OPERATION: JsonObject = {
  id: OP_ID,
  status: 'SUCCEEDED',
  ...OP_AT,
  reference: 'change-1234',
  dryRun: false,
  requestedBy: 'web',
  results: [SUCCEEDED_RESULT],
};

const CANCELLED_RESULT: JsonObject = {
  index: 1,
  target: L7_TARGET_2,
  status: 'CANCELLED',
  changes: { name: 'redirect-to-new-site' },
  error: {
    code: 'CANCELLED_BY_ROLLOUT',
    message: 'The rollout halted (onFailure: halt) after target index 0 failed: this target was not started.',
  },
};

const FAILED_RESULT: JsonObject = {
  index: 0,
  target: L7_TARGET,
  status: 'FAILED',
  changes: { name: 'redirect-to-new-site', redirectUrl: 'https://new.example.com' },
  before: L7_BEFORE,
  gcore: {
    taskIds: ['0f4c7c1e-8b9e-4c1a-9d6e-2f0d3c1a7b21'],
    tasks: [{ id: '0f4c7c1e-8b9e-4c1a-9d6e-2f0d3c1a7b21', state: 'ERROR', error: 'l7policy update failed' }],
  },
  error: { code: 'TASK_FAILED', message: 'Task 0f4c7c1e-8b9e-4c1a-9d6e-2f0d3c1a7b21 ended in ERROR: l7policy update failed' },
};

const HALTED_OPERATION: JsonObject = {
  id: OP_ID,
  status: 'FAILED',
  ...OP_AT,
  reference: 'change-1234',
  dryRun: false,
  requestedBy: 'web',
  rollout: { batches: [[0], [1]], current: 0, state: 'HALTED', pauseSeconds: 0, onFailure: 'halt' },
  results: [FAILED_RESULT, CANCELLED_RESULT],
};

const COMPENSATED_RESULT: JsonObject = {
  ...SUCCEEDED_RESULT,
  compensation: { status: 'SUCCEEDED', operationId: 'op_01KBG2N7B3H8D2Q5W9YF4K6RZS' },
};

const TEST_EVENT_ID = 'evt_01KBG2P0ZJ6R3W8N5T1XQ7C4HM';

const envelope = (id: string, type: CatalogEventType, timestamp: string, data: Json): JsonObject => ({ id, type, timestamp, data });

/** The examples of each event type, by name (`summary` shown in the docs). */
export const EVENT_EXAMPLES: Record<CatalogEventType, Record<string, { summary: string; value: JsonObject }>> = {
  [EVENT_TYPES.operationCompleted]: {
    succeeded: {
      summary: 'An operation whose only target succeeded',
      value: envelope(OperationEventPublisher.completedEventId(OP_ID), EVENT_TYPES.operationCompleted, OP_AT.completedAt, SUCCEEDED_OPERATION),
    },
    haltedRollout: {
      summary: 'A staged rollout (onFailure: halt) whose first batch failed: the second target was cancelled',
      value: envelope(OperationEventPublisher.completedEventId(OP_ID), EVENT_TYPES.operationCompleted, OP_AT.completedAt, HALTED_OPERATION),
    },
  },
  [EVENT_TYPES.targetCompleted]: {
    succeeded: {
      summary: 'A target that succeeded',
      value: envelope(OperationEventPublisher.targetEventId(OP_ID, 0), EVENT_TYPES.targetCompleted, OP_AT.completedAt, {
        operationId: OP_ID,
        reference: 'change-1234',
        result: SUCCEEDED_RESULT,
      }),
    },
    cancelledByRollout: {
      summary: 'A target a halted rollout cancelled (nothing was written to it)',
      value: envelope(OperationEventPublisher.targetEventId(OP_ID, 1), EVENT_TYPES.targetCompleted, OP_AT.completedAt, {
        operationId: OP_ID,
        reference: 'change-1234',
        result: CANCELLED_RESULT,
      }),
    },
    compensated: {
      summary: "A target's second event: a rollout with onFailure revert restored it (event id ends in `_c`)",
      value: envelope(OperationEventPublisher.compensationEventId(OP_ID, 0), EVENT_TYPES.targetCompleted, '2026-12-02T10:15:07.530Z', {
        operationId: OP_ID,
        reference: 'change-1234',
        result: COMPENSATED_RESULT,
      }),
    },
  },
  [EVENT_TYPES.test]: {
    test: {
      summary: 'Sent by POST /v1/webhook-subscriptions/{id}/test to that subscription only',
      value: envelope(TEST_EVENT_ID, EVENT_TYPES.test, '2026-12-02T10:20:00.004Z', {
        subscriptionId: 'whs_01KBG2M1T5E9C2V7K4R8N3XJ6D',
        message: 'This is a test event.',
      }),
    },
  },
};
