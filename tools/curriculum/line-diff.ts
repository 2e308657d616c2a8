// A line diff, just big enough for counting: how many lines one version of a file adds and
// removes relative to another, by Myers' O((N+M)D) algorithm ("An O(ND) Difference Algorithm
// and Its Variations", 1986): the shortest edit script, so a moved block counts as removed
// and added, and an unchanged line never counts.
//
//   diffCounts(["a", "b", "c"], ["a", "x", "c", "d"]) -> { added: 2, removed: 1 }
//
// (No diff library is among the project's dependencies; this is the part of one we need.)

export interface DiffCounts {
  added: number;
  removed: number;
}

/** The size of the shortest edit script from `before` to `after`, split into added and removed lines. */
export function diffCounts(before: readonly string[], after: readonly string[]): DiffCounts {
  // Common head and tail never count: trimming them keeps D (and the work) small.
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endA = before.length;
  let endB = after.length;
  while (endA > start && endB > start && before[endA - 1] === after[endB - 1]) {
    endA--;
    endB--;
  }
  const a = before.slice(start, endA);
  const b = after.slice(start, endB);
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return { added: m, removed: n };

  const max = n + m;
  const offset = max;
  // v[k + offset]: the furthest x reached on diagonal k (k = x - y) with d edits.
  const v = new Int32Array(2 * max + 2);
  for (let d = 0; d <= max; d++) {
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[k - 1 + offset]! < v[k + 1 + offset]!) ? v[k + 1 + offset]! : v[k - 1 + offset]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[k + offset] = x;
      if (x >= n && y >= m) {
        // d = added + removed, m - n = added - removed.
        return { added: (d + m - n) / 2, removed: (d - m + n) / 2 };
      }
    }
  }
  return { added: m, removed: n }; // not reached
}
