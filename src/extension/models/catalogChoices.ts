// What "Get a model…" and "Select model…" show, as plain data: the catalog rows with their sizes, licence, memory
// and speed verdict; the dtype choices of one row; the store's installed models. No vscode here, so the texts
// are unit-tested; the commands turn these into quick pick items.

import { DTYPES, type Dtype, type RowFacts } from '../../models/catalog/catalog';
import { formatBytes } from '../../models/hub/progressMeter';
import type { InstalledModel } from '../../models/store/modelStore';

export interface CatalogChoice {
  rowId: string;
  label: string;
  description: string;
  detail: string;
  installed: boolean;
}

/** "~1.2 s a fill, ghost text on" / "~45 s a fill, fill command only": the speed model's verdict in words. */
export function speedText(f: RowFacts): string {
  const s = f.speed.secondsPerFill;
  const fill = s < 10 ? `~${s.toFixed(1)} s a fill` : `~${Math.round(s)} s a fill`;
  return `${fill}, ${f.speed.ghostText ? 'ghost text on' : 'fill command only'}`;
}

/**
 * One quick pick entry per catalog row, the recommended row first, the rest in catalog order. The short facts go
 * first on the detail line (a quick pick cuts long lines): what it costs to get (download, folder, RAM) and what it
 * gives (speed); the licence sits in the description, marked when it must be accepted. `isInstalled`: whether the
 * row's model at `dtype` is already in the store (marked; picking it costs nothing).
 */
export function catalogChoices(facts: RowFacts[], isInstalled: (f: RowFacts, dtype: Dtype) => boolean, dtype: Dtype = 'int4'): CatalogChoice[] {
  const ordered = [...facts.filter((f) => f.row.recommended), ...facts.filter((f) => !f.row.recommended)];
  return ordered.map((f) => {
    const installed = isInstalled(f, dtype);
    const marks = [f.row.recommended ? 'recommended' : '', installed ? `installed (${dtype})` : '', f.row.format === 'gguf' ? 'GGUF' : ''].filter(Boolean);
    const licence = `licence ${f.row.license.id}${f.row.license.mustAccept ? ' (to accept)' : ''}`;
    return {
      rowId: f.row.id,
      label: `${installed ? '$(check)' : f.row.recommended ? '$(star-full)' : '$(cloud-download)'} ${f.row.label}`,
      description: [...marks, f.row.family, licence].join(' · '),
      detail: [
        `${formatBytes(f.downloadBytes)} download`,
        `${formatBytes(f.folderBytes[dtype])} folder (${dtype})`,
        `${formatBytes(f.ramBytes[dtype])} RAM`,
        speedText(f),
        f.row.license.name,
      ].join(' · '),
      installed,
    };
  });
}

export interface DtypeChoice {
  dtype: Dtype;
  label: string;
  description: string;
  detail: string;
}

const DTYPE_NOTES: Record<Dtype, string> = {
  int4: 'smallest and fastest on a CPU (4-bit weights, 8-bit head); the default',
  int8: 'closer to the original weights, about twice the size of int4',
  fp16: 'half-precision floats: for GPUs; large and slow on a CPU',
  fp32: 'full precision, twice the fp16 folder: a reference to check the others against',
};

/** The precision choices, int4 first (the default), with what each costs on disk and in memory for a catalog row
 *  (for a repository outside the catalog the sizes are not known before its files are listed). */
export function dtypeChoices(f?: RowFacts): DtypeChoice[] {
  return DTYPES.map((d) => ({
    dtype: d,
    label: d,
    description: f ? `folder ${formatBytes(f.folderBytes[d])} · RAM ${formatBytes(f.ramBytes[d])}` : '',
    detail: DTYPE_NOTES[d],
  }));
}

export interface InstalledChoice {
  folder: string;
  label: string;
  description: string;
  detail: string;
}

/** The store's models for "Select model…": name, family, dtype, size; where it came from underneath. */
export function installedChoices(models: InstalledModel[], inUse: (folder: string) => boolean = () => false): InstalledChoice[] {
  return models.map((m) => ({
    folder: m.folder,
    label: `${inUse(m.folder) ? '$(check)' : '$(database)'} ${m.name}`,
    description: [...(inUse(m.folder) ? ['in use'] : []), m.family, m.dtype, formatBytes(m.sizeBytes)].join(' · '),
    detail: m.source ? `${m.modelName} · from ${m.source}` : `${m.modelName} · ${m.folder}`,
  }));
}
