// Which ONNX Runtime execution providers a session tries, in order, before the CPU, and why: the one table of
// providers, and the rule behind `executionProvider: "auto"` (docs/platforms.md has the measurements behind it).

export type ExecutionProvider = 'auto' | 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu' | 'tensorrt';
export const EXECUTION_PROVIDERS: readonly ExecutionProvider[] = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu', 'tensorrt'];

/**
 * The GPU providers auto tries, per OS, in order: what onnxruntime-node 1.30 builds into that OS's binaries.
 * Windows: DirectML first (it runs every operator of our graphs but int4/int8 GatherBlockQuantized, GroupQueryAttention
 * and MatMulNBits included: bench/results/provider-ops.json), then WebGPU on D3D12. macOS: WebGPU on Metal; CoreML is left out of auto: it has
 * none of the com.microsoft operators our converted models use, and wants static shapes where our canvas varies, so
 * the graph would be cut into many CoreML/CPU pieces. Linux: WebGPU on Vulkan (CUDA is not in the npm binaries).
 */
export const AUTO_GPU: Readonly<Record<string, readonly ExecutionProvider[]>> = {
  win32: ['dml', 'webgpu'],
  darwin: ['webgpu'],
  linux: ['webgpu'],
};

/**
 * Below this many transformer parameters (the embedding table excluded: a pass only gathers rows of it), auto keeps
 * the CPU. Measured here (bench/results/auto-line.json, real-models.json): a CPU pass over the editor's canvas costs
 * ~5-6 ms per million parameters on two cores, and the editor's dual-cache window passes far less (~3 ms for the
 * bundled 3M model). A GPU pass pays a fixed cost first (a dispatch per node, hundreds of nodes, and a readback:
 * milliseconds, not measurable here without a GPU) and its session compiles shaders at load. Below ~10M the CPU's
 * whole pass is within that fixed cost; from ~20M up (a full pass >= 100 ms here) any GPU wins. docs/platforms.md.
 */
export const AUTO_CPU_BELOW_PARAMS = 10e6;

export interface ProviderPlan {
  /** GPU providers to try, in order; the CPU always follows. */
  tries: string[];
  /** Why, for the log and the status bar (set for auto). */
  reason?: string;
}

export interface ModelSize {
  /** Transformer parameters without the embedding table (see transformerParams); undefined when unknown. */
  params?: number;
}

export function planProviders(wanted: string, size: ModelSize, platform: string = process.platform): ProviderPlan {
  if (wanted === 'cpu') return { tries: [] };
  if (wanted !== 'auto') return { tries: [wanted] };
  if (size.params !== undefined && size.params < AUTO_CPU_BELOW_PARAMS)
    return { tries: [], reason: `auto chose the CPU: this model is small (${millions(size.params)} parameters, under ${millions(AUTO_CPU_BELOW_PARAMS)}), and the CPU runs small models faster than a GPU` };
  const gpus = AUTO_GPU[platform] ?? [];
  if (gpus.length === 0) return { tries: [], reason: `auto chose the CPU: ONNX Runtime has no GPU provider for ${platform}` };
  return { tries: [...gpus] };
}

/** Parameters a pass computes with, from the manifest's architecture (Qwen2/Dream layout: attention with grouped
 *  key/value heads, a gated MLP); undefined when the architecture does not say. */
export function transformerParams(arch: Record<string, unknown>): number | undefined {
  const n = (k: string) => (Number.isInteger(arch[k]) && (arch[k] as number) > 0 ? (arch[k] as number) : undefined);
  const [h, inter, layers, heads] = [n('hidden_size'), n('intermediate_size'), n('num_hidden_layers'), n('num_attention_heads')];
  if (!h || !inter || !layers || !heads) return undefined;
  const headDim = n('head_dim') ?? h / heads;
  const kv = (n('num_key_value_heads') ?? heads) * headDim;
  return layers * (h * heads * headDim + 2 * h * kv + heads * headDim * h + 3 * h * inter);
}

function millions(p: number): string {
  return p >= 1e9 ? `${(p / 1e9).toFixed(1)}B` : `${Math.round(p / 1e6)}M`;
}
