import type { SkippedTarget, ValidatedUpdateRequest } from '@rpg/routing-policy';
import type { OperationMeta } from '../../operation-record.codec';

export interface AcceptUpdateCommand {
  request: ValidatedUpdateRequest;
  /** The API key (or `inbound:<source>`) that sent it, stored with the operation. */
  apiKeyName: string;
  /** Set when the operation reverts another: linked both ways in the same atomic step. */
  revertOf?: string;
  /** A revert: the targets it leaves alone (shown with the operation). */
  skipped?: SkippedTarget[];
  /** The operation's id, when chosen ahead (a rollout's compensation records it before creating it); else a new one. */
  id?: string;
  /** A rollout's compensation: what it restores (see OperationMeta). */
  compensates?: OperationMeta['compensates'];
  guards?: OperationMeta['guards'];
}
