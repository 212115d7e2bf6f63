export interface ListOperationsCommand {
  status?: string;
  /** Page size; 50 when absent. */
  limit?: number;
  /** nextCursor of the previous page, as it was sent. */
  cursor?: string;
}
