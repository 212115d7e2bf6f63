import type { ValidatedUpdateRequest } from '@rpg/routing-policy';

export interface PlanUpdateCommand {
  request: ValidatedUpdateRequest;
}
