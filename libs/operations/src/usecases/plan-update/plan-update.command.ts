import type { ValidatedUpdateRequest } from '@rpg/routing-policy';

export interface PlanUpdateCommand {
  request: ValidatedUpdateRequest;
  /** The API key's name (shown as the plan's requestedBy). */
  apiKeyName: string;
}
