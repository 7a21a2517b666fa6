// The order of class names read from data (label values, folder names in a manifest): numerically
// when every name is an integer (so 10 follows 9), else by code unit; class i is the i-th name.
export function sortClassNames(values: Iterable<string>): string[] {
  const names = [...new Set(values)];
  if (names.every((v) => /^[-+]?\d+$/.test(v))) return names.sort((a, b) => Number(a) - Number(b));
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
