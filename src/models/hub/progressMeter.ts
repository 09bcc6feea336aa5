// Bytes, rate and time left for a download, as the CLI's progress line and the editor's notification show them.
// The rate is measured over the last few seconds of network bytes only: bytes found on disk (a resume, a cached
// shard) count towards "done" but not towards the speed, or a resumed 15 GB download would promise to finish at
// once.

export interface DownloadProgress {
  /** The repository file being fetched. */
  file: string;
  /** Bytes done over all files (on disk + fetched). */
  bytes: number;
  totalBytes: number;
  /** Network bytes a second over the last few seconds (0 until measured). */
  rate: number;
  /** Seconds left at that rate (undefined until measured). */
  secondsLeft?: number;
}

export class ProgressMeter {
  private bytes = 0;
  private samples: { t: number; n: number }[] = [];
  private fetched = 0;

  constructor(
    readonly totalBytes: number,
    private readonly windowMs = 5000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Bytes that were already on disk. */
  found(n: number): void {
    this.bytes += n;
  }

  /** Bytes that came from the network. */
  fetchedBytes(n: number): void {
    this.bytes += n;
    this.fetched += n;
    const t = this.now();
    this.samples.push({ t, n: this.fetched });
    while (this.samples.length > 2 && t - this.samples[0].t > this.windowMs) this.samples.shift();
  }

  report(file: string): DownloadProgress {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const dt = first && last ? (last.t - first.t) / 1000 : 0;
    const rate = dt > 0.2 ? (last.n - first.n) / dt : 0;
    const left = Math.max(0, this.totalBytes - this.bytes);
    return { file, bytes: this.bytes, totalBytes: this.totalBytes, rate, secondsLeft: rate > 0 ? left / rate : undefined };
  }
}

/** "1.2 GB", "350 MB", "12 kB" (decimal units, as the Hub's pages show sizes). */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(n >= 1e10 ? 1 : 2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e8 ? 0 : 1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} kB`;
  return `${n} B`;
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.ceil(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}
