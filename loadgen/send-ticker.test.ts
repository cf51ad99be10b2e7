import { describe, expect, it } from 'vitest';
import { OpenLoopSchedule } from './open-loop.js';
import { SendTicker } from './send-ticker.js';

describe('send ticker', () => {
  it('wakes the main thread at the intended times, never before one, and stops after the last', async () => {
    const schedule = OpenLoopSchedule.forDuration(2_000, 100); // 200 ticks, 0.5 ms apart
    const ticker = await SendTicker.spawn(schedule.ratePerSecond, schedule.count);
    try {
      schedule.start();
      ticker.begin(schedule);
      let wakes = 0;
      let due = 0;
      // Bounded: every wake is a tick or the 100 ms safety timeout, and the schedule ends in 100 ms.
      for (let pass = 0; pass < 10_000 && due < schedule.count; pass++) {
        await ticker.next(100);
        wakes++;
        // A tick is never early: tick k comes at the intended time of command k or later (ticks
        // that fell behind collapse), so at least as many commands are due as ticks were seen.
        due = schedule.dueCount(schedule.elapsedNs());
        expect(due).toBeGreaterThanOrEqual(ticker.ticks);
      }
      expect(due).toBe(schedule.count);
      expect(ticker.ticks).toBeGreaterThan(0);
      // Ticks that fell behind collapse, so there are at most as many wakes as commands.
      expect(wakes).toBeLessThanOrEqual(schedule.count);
    } finally {
      await ticker.stop();
    }
  });

  it('stops before its schedule starts', async () => {
    const ticker = await SendTicker.spawn(1_000, 10);
    await ticker.stop();
  });
});
