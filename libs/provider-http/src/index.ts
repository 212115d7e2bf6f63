export * from './circuit-breaker';
export * from './provider-http.client';
