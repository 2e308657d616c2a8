// Partial credit: a lesson's points shared out over its tests, in hundredths, so that the
// shares add up to exactly the lesson's points.
//
//   spreadPoints(10, 3) -> [3.33, 3.34, 3.33]      spreadPoints(10, 4) -> [2.5, 2.5, 2.5, 2.5]

export function spreadPoints(points: number, count: number): number[] {
  if (count <= 0) return [];
  const cents = Math.round(points * 100);
  const shares: number[] = [];
  for (let i = 1; i <= count; i++) {
    // Each share is the difference of two rounded running totals: no cent is lost or gained.
    shares.push((Math.round((cents * i) / count) - Math.round((cents * (i - 1)) / count)) / 100);
  }
  return shares;
}

/** Adds scores without floating-point dust: 3.33 + 3.34 + 3.33 = 10. */
export function sumPoints(values: readonly number[]): number {
  return Math.round(values.reduce((sum, v) => sum + v * 100, 0)) / 100;
}
