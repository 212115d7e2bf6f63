export interface ListOperationsCommand {
  status?: string;
  /** Only operations with this `reference` (exact). */
  reference?: string;
  /** Page size; 50 when absent. */
  limit?: number;
  /** nextCursor of the previous page, as it was sent. */
  cursor?: string;
}
