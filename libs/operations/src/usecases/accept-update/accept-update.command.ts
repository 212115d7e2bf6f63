import type { SkippedTarget, ValidatedUpdateRequest } from '@rpg/routing-policy';

export interface AcceptUpdateCommand {
  request: ValidatedUpdateRequest;
  /** The API key (or `inbound:<source>`) that sent it, stored with the operation. */
  apiKeyName: string;
  /** Set when the operation reverts another: linked both ways in the same atomic step. */
  revertOf?: string;
  /** A revert: the targets it leaves alone (shown with the operation). */
  skipped?: SkippedTarget[];
}
