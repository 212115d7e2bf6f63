import type { ValidatedUpdateRequest } from '@rpg/routing-policy';

export interface AcceptUpdateCommand {
  request: ValidatedUpdateRequest;
  /** The API key (or `inbound:<source>`) that sent it, stored with the operation. */
  apiKeyName: string;
}
