/**
 * OpenTelemetry, started before anything it instruments is loaded: main.ts imports this file first. Off (nothing
 * loaded, nothing patched) unless the OTEL_* variables ask for traces; see libs/tracing.
 */
import 'reflect-metadata';
import { loadEnvFile } from '@rpg/config';
import { startTracing } from '@rpg/tracing';

try {
  loadEnvFile(); // OTEL_* may come from .env like every other setting (the real environment wins)
} catch {
  // an unreadable .env is reported by the configuration check that follows
}
startTracing('rpg-worker');
