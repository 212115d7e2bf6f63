/** Gcore wire types (snake_case), as in ../shared/reference/gcore-api.md. They never leave this lib. */
export interface GcoreL7Policy {
  id: string;
  name: string;
  action: 'REDIRECT_TO_URL' | 'REDIRECT_PREFIX' | 'REDIRECT_TO_POOL' | 'REJECT';
  listener_id?: string;
  position: number;
  redirect_url: string | null;
  redirect_prefix: string | null;
  redirect_pool_id: string | null;
  redirect_http_code: number | null;
  tags: string[];
  provisioning_status?: string;
  operating_status?: string;
  task_id?: string | null;
  [other: string]: unknown;
}

export interface GcoreLoadBalancer {
  id: string;
  name: string;
  preferred_connectivity?: 'L2' | 'L3';
  logging?: {
    enabled?: boolean;
    topic_name?: string | null;
    destination_region_id?: number | null;
    retention_policy?: { period: number | null } | null;
  } | null;
  tags_v2?: { key: string; value: string; read_only: boolean }[];
  task_id?: string | null;
  provisioning_status?: string;
  [other: string]: unknown;
}

export interface GcoreTask {
  id: string;
  state: 'NEW' | 'RUNNING' | 'FINISHED' | 'ERROR';
  task_type: string;
  error?: string | null;
  created_on?: string | null;
  finished_on?: string | null;
  [other: string]: unknown;
}

export interface GcoreTaskListQuery {
  projectId: number;
  regionId: number;
  states: GcoreTask['state'][];
  limit: number;
  offset: number;
}

/** `GET /cloud/v1/tasks`: an offset page (`count`: every match, null when the answer did not say). */
export interface GcoreTaskPage {
  count: number | null;
  results: GcoreTask[];
}

export interface GcoreErrorBody {
  exception_class?: string;
  message?: string;
  request_id?: string;
  invalid_fields?: Record<string, string[]>;
}
