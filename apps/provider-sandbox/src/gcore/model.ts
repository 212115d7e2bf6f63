import type { TaskRecord } from './tasks';

export type L7Action = 'REDIRECT_TO_URL' | 'REDIRECT_PREFIX' | 'REDIRECT_TO_POOL' | 'REJECT';
export type ProvisioningStatus = 'ACTIVE' | 'DELETED' | 'ERROR' | 'PENDING_CREATE' | 'PENDING_DELETE' | 'PENDING_UPDATE';

/** Gcore's L7Policy GET schema, every field present. */
export interface L7Policy {
  id: string;
  name: string;
  action: L7Action;
  listener_id: string;
  position: number;
  redirect_url: string | null;
  redirect_prefix: string | null;
  redirect_pool_id: string | null;
  redirect_http_code: number | null;
  rules: unknown[];
  tags: string[];
  provisioning_status: ProvisioningStatus;
  operating_status: string;
  project_id: number;
  region_id: number;
  region: string;
  task_id: string | null;
}

/** A valid L7 PATCH/PUT body (after schema validation). */
export interface L7UpdateBody {
  action: L7Action;
  name?: string;
  position?: number;
  redirect_url?: string;
  redirect_prefix?: string;
  redirect_pool_id?: string;
  redirect_http_code?: number;
  tags?: string[];
}

export interface LbTag {
  key: string;
  value: string;
  read_only: boolean;
}

export interface LbLogging {
  enabled: boolean;
  topic_name: string | null;
  destination_region_id: number | null;
  retention_policy: { period: number | null } | null;
}

export interface LoadBalancer {
  id: string;
  admin_state_up: boolean;
  created_at: string;
  name: string;
  operating_status: string;
  project_id: number;
  provisioning_status: ProvisioningStatus;
  region: string;
  region_id: number;
  tags_v2: LbTag[];
  logging: LbLogging;
  preferred_connectivity: 'L2' | 'L3';
  listeners: { id: string }[];
  vip_address: string;
  vip_port_id: string;
  task_id: string | null;
  creator_task_id: string;
  updated_at: string | null;
}

/** A valid LB PATCH body (v1; v2 adds admin_state_up). */
export interface LbUpdateBody {
  name?: string;
  logging?: Partial<LbLogging>;
  preferred_connectivity?: 'L2' | 'L3';
  tags?: Record<string, string | null> | null;
  admin_state_up?: boolean;
}

/** Tasks holding a resource. The resource is unlocked once all are terminal. */
export interface Lock<C> {
  tasks: TaskRecord[];
  finishAtMs: number;
  /** True when one of the tasks ends in ERROR (then `change` is dropped). */
  failed: boolean;
  /** Applied when every task FINISHED; null when the change was applied at once. */
  change: C | null;
}

export interface L7Change {
  mode: 'patch' | 'put';
  body: L7UpdateBody;
}

export interface L7Entry {
  policy: L7Policy;
  lock: Lock<L7Change> | null;
}

export interface LbEntry {
  lb: LoadBalancer;
  lock: Lock<LbUpdateBody> | null;
}

export interface GcoreState {
  projects: Set<number>;
  /** region id → display name */
  regions: Map<number, string>;
  pools: Set<string>;
  listeners: Set<string>;
  l7: Map<string, L7Entry>;
  lbs: Map<string, LbEntry>;
}
