/**
 * The bench's statistics: median and min-max over rounds, ours-vs-peer advantages per round
 * (always "above 1: ours better", whichever way the row's unit goes), fractions of a limit.
 */
import { describe, expect, it } from "vitest";
import { advantage, median, roundAdvantage, roundFraction, spread, summarize } from "../../tools/bench/stats.ts";

describe("median and summaries", () => {
  it("takes the middle value, or the mean of the middle two", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(() => median([])).toThrow();
  });

  it("summarises the rounds that gave a value and counts them", () => {
    expect(summarize([10, null, 30, 20, undefined])).toEqual({ median: 20, min: 10, max: 30, n: 3 });
    expect(summarize([null, null])).toBeNull();
    expect(summarize([NaN, Infinity, 5])).toEqual({ median: 5, min: 5, max: 5, n: 1 });
  });

  it("spread is (max-min)/median", () => {
    expect(spread({ median: 100, min: 90, max: 120, n: 3 })).toBeCloseTo(0.3);
    expect(spread(null)).toBeNull();
  });
});

describe("advantage: how many times better ours is", () => {
  it("divides our rate by theirs when higher is better", () => {
    expect(advantage(200, 100, "higher")).toBe(2);
    expect(advantage(50, 100, "higher")).toBe(0.5);
  });

  it("divides their time by ours when lower is better", () => {
    expect(advantage(2, 1, "lower")).toBe(0.5);
    expect(advantage(1, 4, "lower")).toBe(4);
  });

  it("gives null for a missing side or a figure that is not positive", () => {
    expect(advantage(12, -38, "lower")).toBeNull();
    expect(advantage(null, 1, "higher")).toBeNull();
    expect(advantage(1, undefined, "lower")).toBeNull();
    expect(advantage(1, 0, "higher")).toBeNull();
    expect(advantage(0, 1, "lower")).toBeNull();
  });

  it("per round, then the median of the rounds where both ran", () => {
    // round 2: the peer failed; round 3: ours is 4× better
    const s = roundAdvantage([1, 1, 1], [2, null, 4], "lower");
    expect(s).toEqual({ median: 3, min: 2, max: 4, n: 2 });
  });

  it("is not the ratio of the medians", () => {
    // the medians are equal (200), but round by round ours was 1/3, 2 and 1.5 times the peer
    expect(roundAdvantage([100, 200, 300], [300, 100, 200], "higher")).toEqual({ median: 1.5, min: 1 / 3, max: 2, n: 3 });
  });
});

describe("fractions of a machine limit", () => {
  it("divides each round's value by that round's limit", () => {
    expect(roundFraction([400, 500, null], [1000, 1000, 1000])).toEqual({ median: 0.45, min: 0.4, max: 0.5, n: 2 });
    expect(roundFraction([1], [0])).toBeNull();
  });
});
