export interface IssueStreamTokenCommand {
  /** The API key's name: the token acts for it (its scopes are checked again when a stream connects). */
  apiKeyName: string;
  /** Bind the token to this operation's stream. */
  operationId?: string;
}
