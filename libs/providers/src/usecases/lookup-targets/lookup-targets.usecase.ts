import { Inject, Injectable } from '@nestjs/common';
import { ERROR_CODES, PROVIDER_READERS, ProviderError, ProviderReader, ResultError, Target, TargetReading, targetKey } from '@rpg/routing-policy';
import { LookupTargetsCommand } from './lookup-targets.command';

export interface LookupItem extends TargetReading {
  target: Target;
  error?: ResultError;
}

export const LOOKUP_TIMEOUT_MS = 5_000;
/** Reads of the same target within this window share one provider call. */
export const LOOKUP_COALESCE_MS = 2_000;

/**
 * Reads every target from its provider in parallel, each bounded by its own timeout, answering in request order. A slow
 * or failing provider yields that item's `error` and never fails (or delays beyond the timeout) the others.
 */
@Injectable()
export class LookupTargetsUseCase {
  private readonly inflight = new Map<string, { at: number; reading: Promise<TargetReading> }>();

  constructor(@Inject(PROVIDER_READERS) private readonly readers: ProviderReader[]) {}

  async execute({ targets, timeoutMs = LOOKUP_TIMEOUT_MS }: LookupTargetsCommand): Promise<LookupItem[]> {
    return Promise.all(targets.map((target) => this.readOne(target, timeoutMs)));
  }

  private async readOne(target: Target, timeoutMs: number): Promise<LookupItem> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ProviderError(ERROR_CODES.providerTimeout, `${target.provider} did not answer within ${timeoutMs} ms`)), timeoutMs);
      });
      const reading = await Promise.race([this.coalesced(target), timeout]);
      return { target, ...reading };
    } catch (error) {
      const e = error instanceof ProviderError ? error.toResultError() : { code: ERROR_CODES.internalError, message: 'The read failed unexpectedly.' };
      return { target, found: false, error: e };
    } finally {
      clearTimeout(timer);
    }
  }

  private coalesced(target: Target): Promise<TargetReading> {
    const key = targetKey(target);
    const now = Date.now();
    const hit = this.inflight.get(key);
    if (hit && now - hit.at < LOOKUP_COALESCE_MS) return hit.reading;
    const reader = this.readers.find((r) => r.supports(target));
    if (!reader) return Promise.reject(new ProviderError(ERROR_CODES.internalError, `No reader for ${target.provider}`));
    const reading = reader.read(target);
    this.inflight.set(key, { at: now, reading });
    // forget failures at once (the next read tries again) and successes after the window
    reading.catch(() => this.inflight.delete(key));
    setTimeout(() => {
      if (this.inflight.get(key)?.reading === reading) this.inflight.delete(key);
    }, LOOKUP_COALESCE_MS).unref();
    return reading;
  }
}
