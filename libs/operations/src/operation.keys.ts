import { createHash } from 'node:crypto';
import { RedisKeys } from '@rpg/redis';
import { Target, targetKey } from '@rpg/routing-policy';

/** Redis keys of operations: the hash of each, its change channel, the lane of each target, and the list indexes. */
export class OperationKeys {
  constructor(private readonly keys: RedisKeys) {}

  /** Hash: the operation record (fields in operation-record.codec.ts). */
  operation(id: string): string {
    return this.keys.key('op', id);
  }
  /** Pub/sub channel: the operation's change counter (`seq`) on every change. */
  channel(id: string): string {
    return this.keys.key('opch', id);
  }
  /** List: the updates queued on one target, as target references (`<opId>#<index>`); the head runs. */
  lane(target: Target): string {
    return this.keys.key('lane', targetKey(target));
  }
  /** Sorted set: every operation by creation time (ms). */
  get index(): string {
    return this.keys.key('ops', 'index');
  }
  /** Sorted set: operations whose jobs are not known to be in BullMQ yet (the recovery sweep's list). */
  get unconfirmed(): string {
    return this.keys.key('ops', 'unconfirmed');
  }
  /**
   * List: operations just stored whose lane heads the worker's dispatcher turns into jobs, as `<id>:<i>,<j>` (the
   * unconfirmed set is the durable half: an entry popped by a worker that then died is found there by the sweep).
   */
  get dispatch(): string {
    return this.keys.key('ops', 'dispatch');
  }
  /** Sorted set: rollouts not ended yet, by creation time (the maintenance sweep reconciles them). */
  get rollouts(): string {
    return this.keys.key('ops', 'rollouts');
  }
  /** Prefix of the per-status sorted sets (`<prefix><STATUS>`), kept by the scripts. */
  get statusIndexPrefix(): string {
    return this.keys.key('ops', 'status', '');
  }
  /** Sorted set: the operations of one `reference` by creation time (hashed: a reference is any client string). */
  referenceIndex(reference: string): string {
    return this.keys.key('ops', 'ref', createHash('sha256').update(reference, 'utf8').digest('base64url'));
  }
  /** `status` is an OperationStatus, or a filter from a query string (which then matches nothing). */
  statusIndex(status: string): string {
    return this.statusIndexPrefix + status;
  }
}
