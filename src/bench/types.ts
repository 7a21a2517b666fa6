// What the benchmarks produce, as plain data: the reports (src/report/bench-report.ts) read these
// types without depending on the code that measures.

export interface BenchRow {
  mask: string;
  frozen: boolean[];
  frozenUnits: number;
  /** Share (0..1) of trainable parameters the mask freezes. */
  frozenParamsShare: number;
  forwardMs: number;
  backwardMs: number;
  optimizerMs: number;
  backwardRatio: number;
  /** Null when a unit's multiply-adds are unknown (TorchScript convs). */
  idealBackwardRatio: number | null;
  /** measured saving / ideal saving; null where the ideal saving is under 10% (noise would dominate). */
  realization: number | null;
  peakMemoryBytes: number | null;
}

export interface BenchResult {
  machine: { cpu: string; cores: number; device: string; torch: string };
  model: string;
  batch: number;
  threads: number;
  steps: number;
  rows: BenchRow[];
}

/** Median step phases of one side (the addon or PyTorch). */
export interface PhaseMs {
  forwardMs: number;
  backwardMs: number;
  optimizerMs: number;
}

export interface VsPytorchRow {
  mask: string;
  addon: PhaseMs;
  pytorch: PhaseMs;
  /** addon ÷ PyTorch per phase. */
  ratio: { forward: number; backward: number; optimizer: number };
  addonRealization: number | null;
}

export interface VsPytorchResult {
  model: string;
  batch: number;
  threads: number;
  device: string;
  rounds: number;
  steps: number;
  torch: { addon: string; pytorch: string };
  machine: BenchResult['machine'];
  rows: VsPytorchRow[];
  /** pytorchMs/ratio: plain PyTorch; samePytorchMs/sameRatio: PyTorch with the addon's settings. */
  epoch: { samples: number; addonMs: number; pytorchMs: number; ratio: number; addonDataShare: number; samePytorchMs: number; sameRatio: number };
  /** The addon's settings in this run (the dispatch level is the process's ATEN_CPU_CAPABILITY). */
  settings: { channelsLast: boolean; precision: 'fp32' | 'bf16'; atenCpuCapability: string };
}
