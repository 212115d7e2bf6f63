import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';
import { logTraceFields, tracingEnabled } from '@rpg/tracing';

/** Paths pino blanks in every log line: provider credentials, API keys, webhook secrets, auth headers. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["idempotency-key"]',
  'req.headers["webhook-signature"]',
  'req.headers.cookie',
  '*.cookie',
  'token',
  '*.token',
  'headers.authorization',
  'headers.Authorization',
  '*.authorization',
  '*.Authorization',
  'secret',
  '*.secret',
  'callbackSecret',
  '*.callbackSecret',
  'apiKey',
  '*.apiKey',
  'token',
  '*.token',
  'access_token',
  '*.access_token',
  'password',
  '*.password',
  'client_secret',
  '*.client_secret',
];

/**
 * With tracing on, every line written under an active span carries its `trace_id` and `span_id` (pino's mixin); with
 * tracing off there is no mixin at all.
 *
 * JSON lines on stdout, written asynchronously: a synchronous write blocks the whole event loop whenever the pipe to the
 * log collector is full, which showed as tens of ms of tail latency on every request in flight. Lines still pending at
 * a normal exit are written; a kill -9 may lose the last few.
 */
export function createLogger(level: string, name: string): Logger {
  return pino(
    {
      level,
      name,
      base: { service: name },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      ...(tracingEnabled() ? { mixin: logTraceFields } : {}),
    },
    // bounded: if stdout stays blocked, lines beyond 16 MiB are dropped rather than held in memory
    pino.destination({ dest: 1, sync: false, maxLength: 16 * 1024 * 1024 }),
  );
}

/** Nest's LoggerService on top of pino, so framework lines are JSON too. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace', message: unknown, params: unknown[]): void {
    const context = typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    if (message instanceof Error) {
      this.logger[level]({ context, err: message }, message.message);
    } else if (message !== null && typeof message === 'object') {
      this.logger[level]({ context, ...message }, typeof params[0] === 'string' ? params[0] : undefined);
    } else {
      this.logger[level]({ context }, String(message));
    }
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
}
