import type { ApinizerTargetPipeline, ApinizerTargetScope } from '@rpg/routing-policy';

/** Apinizer wire types, as in ../shared/reference/apinizer-api.md. They never leave this lib. */
export type ApinizerScope = ApinizerTargetScope;
export type ApinizerPipeline = ApinizerTargetPipeline;

export interface ApinizerPolicy {
  type: string;
  name?: string;
  description?: string;
  active?: boolean;
  [field: string]: unknown;
}

export interface ApinizerOperationMetadata {
  targetScope: ApinizerScope;
  targetEndpoint?: string;
  targetEndpointHTTPMethod?: string;
  targetPipeline: ApinizerPipeline;
  deploy: boolean;
  deployTargetEnvironmentNameList: string[];
  order: number | null;
}

/** Where a policy sits in its proxy, as found in the List Policies answer. */
export interface LocatedPolicy {
  policy: ApinizerPolicy;
  scope: ApinizerScope;
  pipeline: ApinizerPipeline;
  endpoint?: string;
  method?: string;
  /** 0-based index in its list. */
  index: number;
}

export interface ApinizerErrorBody {
  error?: string;
  error_description?: string;
  validation_errors?: { field: string; message: string }[];
  retry_after?: number;
}
