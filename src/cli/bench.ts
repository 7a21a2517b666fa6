// `layerout bench` lands with the benchmark issue; until then it says so.
export async function runBench(_argv: string[], _out: (line: string) => void, err: (line: string) => void): Promise<number> {
  err('layerout bench: not built yet');
  return 1;
}
