import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './histogram.js';
import { OpenLoopSchedule, type OpenLoopWait, ceilDiv, floorDiv, runOpenLoop } from './open-loop.js';

describe('open-loop schedule', () => {
  it('computes intended times exactly from the rate', () => {
    const s = new OpenLoopSchedule({ ratePerSecond: 3, count: 10 });
    expect([0, 1, 2, 3, 4, 9].map((i) => s.intendedNs(i))).toEqual([0, 333_333_333, 666_666_666, 1_000_000_000, 1_333_333_333, 3_000_000_000]);
    expect(s.durationNs).toBe(3_333_333_333);
    const fast = new OpenLoopSchedule({ ratePerSecond: 9_000_000, count: 1_000_000_000 });
    expect(fast.intendedNs(9_000_000)).toBe(1_000_000_000);
    // Against BigInt arithmetic, far past the point where index · 1e9 exceeds 2^53.
    for (const rate of [9_000_000, 7_777_777, 1_234_567, 3]) {
      const s2 = new OpenLoopSchedule({ ratePerSecond: rate, count: 1_000_000_000 });
      for (let i = 1; i < 1_000_000_000; i = i * 3 + 17) {
        expect(s2.intendedNs(i)).toBe(Number((BigInt(i) * 1_000_000_000n) / BigInt(rate)));
      }
    }
  });

  it('counts what is due: every index whose intended time has come', () => {
    const s = new OpenLoopSchedule({ ratePerSecond: 3, count: 10 });
    expect(s.dueCount(-1)).toBe(0);
    expect(s.dueCount(0)).toBe(1);
    expect(s.dueCount(333_333_332)).toBe(1);
    expect(s.dueCount(333_333_333)).toBe(2);
    expect(s.dueCount(999_999_999)).toBe(3);
    expect(s.dueCount(1_000_000_000)).toBe(4);
    expect(s.dueCount(1e12)).toBe(10);
    const odd = new OpenLoopSchedule({ ratePerSecond: 7_777, count: 100_000 });
    for (let i = 0; i < 100_000; i += 997) {
      const t = odd.intendedNs(i);
      expect(odd.dueCount(t)).toBeGreaterThan(i);
      if (i > 0) expect(odd.dueCount(t - 1)).toBeLessThanOrEqual(i);
    }
  });

  it('charges latency from the intended time and rejects early completions', () => {
    const s = new OpenLoopSchedule({ ratePerSecond: 1_000, count: 10 });
    expect(s.latencyNs(2, 2_500_000)).toBe(500_000);
    expect(() => s.latencyNs(2, 1_999_999)).toThrow(/before it was due/);
    expect(OpenLoopSchedule.forDuration(1_000, 250).count).toBe(250);
    expect(() => new OpenLoopSchedule({ ratePerSecond: 0, count: 1 })).toThrow(RangeError);
    expect(() => new OpenLoopSchedule({ ratePerSecond: 1.5, count: 1 })).toThrow(RangeError);
  });

  it('divides exactly', () => {
    expect(floorDiv(2 ** 53 - 1, 3)).toBe(3_002_399_751_580_330);
    expect(ceilDiv(10, 5)).toBe(2);
    expect(ceilDiv(11, 5)).toBe(3);
    expect(ceilDiv(0, 5)).toBe(0);
  });

  it('sends every command in order, none before its time, and a stall shows as latency', async () => {
    // A function wait stands for a ticker thread: here a timer turn, after which the driver sends what is due.
    let ticks = 0;
    const tick = (): Promise<void> => new Promise((resolve) => setTimeout(() => resolve(void ticks++), 0));
    const waits: OpenLoopWait[] = ['spin', 'yield', 'hybrid', tick];
    for (const wait of waits) {
      const schedule = new OpenLoopSchedule({ ratePerSecond: 20_000, count: 400 });
      const histogram = new LatencyHistogram();
      const sentIndexes: number[] = [];
      const latencies: number[] = [];
      const stats = await runOpenLoop({
        schedule,
        wait,
        send: (index, intendedNs) => {
          const nowNs = schedule.elapsedNs();
          expect(nowNs).toBeGreaterThanOrEqual(intendedNs);
          sentIndexes.push(index);
          // A 5 ms stall at command 100: the commands due during it must carry it as latency.
          if (index === 100) while (schedule.elapsedNs() < intendedNs + 5_000_000);
          const latency = schedule.latencyNs(index, schedule.elapsedNs());
          latencies.push(latency);
          histogram.record(latency);
        },
      });
      expect(stats.timedOut).toBe(false);
      expect(stats.sentCount).toBe(400);
      expect(sentIndexes).toEqual([...Array(400).keys()]);
      expect(histogram.count).toBe(400);
      // The stall ends at least 5 ms after command 100's time (5 ms), so commands 101 – 180
      // (due by 9 ms) are all sent after it, each at least 1 ms late: 80 of 400 samples, 20 %.
      // A closed loop would have shown one slow sample.
      expect(latencies.filter((ns) => ns >= 1_000_000).length).toBeGreaterThanOrEqual(80);
      expect(histogram.percentileNs(81)).toBeGreaterThan(900_000);
      expect(stats.sendLagNsMax).toBeGreaterThan(1_000_000);
    }
    expect(ticks).toBeGreaterThan(0);
  });
});
