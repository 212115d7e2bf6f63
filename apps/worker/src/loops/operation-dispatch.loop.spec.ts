import { DISPATCH_BATCH } from '@rpg/operations';
import { DISPATCH_GATHER_MS, gatherPauseMs } from './operation-dispatch.loop';

describe('gatherPauseMs', () => {
  it('waits after a partial round, so the next one carries several operations', () => {
    expect(gatherPauseMs(1)).toBe(DISPATCH_GATHER_MS);
    expect(gatherPauseMs(DISPATCH_BATCH - 1)).toBe(DISPATCH_GATHER_MS);
    expect(DISPATCH_GATHER_MS).toBeGreaterThan(0);
  });

  it('goes on at once after an idle wait (the next hand-over is taken as it comes) or a full batch (more are waiting)', () => {
    expect(gatherPauseMs(0)).toBe(0);
    expect(gatherPauseMs(DISPATCH_BATCH)).toBe(0);
  });
});
