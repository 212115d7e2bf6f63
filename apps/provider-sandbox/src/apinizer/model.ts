export type Pipeline = 'REQUEST' | 'RESPONSE' | 'ERROR';
export type TargetScope = 'ALL' | 'ENDPOINT';

/** A policy as stored: the full object (`name`, `type`, common and type-specific fields). */
export interface ApinizerPolicy {
  name: string;
  type: string;
  [field: string]: unknown;
}

export interface PolicyLists {
  requestPolicyList: ApinizerPolicy[];
  responsePolicyList: ApinizerPolicy[];
  errorPolicyList: ApinizerPolicy[];
}

export interface ApinizerEndpoint extends PolicyLists {
  endpoint: string;
  httpMethod: string;
  active: boolean;
}

export interface ApinizerProxy extends PolicyLists {
  name: string;
  type: 'REST' | 'SOAP';
  relativePath: string;
  soapToRest: boolean;
  endpointList: ApinizerEndpoint[];
}

export interface ApinizerProject {
  name: string;
  description: string;
  proxies: Map<string, ApinizerProxy>;
}

export interface ApinizerEnvironment {
  name: string;
  description: string;
  type: string;
  status: string;
  accessUrl: string;
}

export interface ApinizerState {
  projects: Map<string, ApinizerProject>;
  environments: ApinizerEnvironment[];
}

export const PIPELINE_LIST: Record<Pipeline, keyof PolicyLists> = {
  REQUEST: 'requestPolicyList',
  RESPONSE: 'responsePolicyList',
  ERROR: 'errorPolicyList',
};
