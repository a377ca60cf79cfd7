/**
 * Starting a tfjs backend in a web page: `wasm` (XNNPACK; the .wasm files are fetched from `wasmPaths`,
 * threads only on a cross-origin-isolated page), `webgl` (the GPU, or a software rasteriser — the report
 * names the renderer so a caller can tell), or `cpu`. The Node side is initBackend (init.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../errors.ts';

/** Backends a web page can run. */
export type BrowserBackendName = 'wasm' | 'webgl' | 'cpu';

/** Options of {@link initBrowserBackend}. */
export interface BrowserBackendOptions {
  /** Which backend (default 'wasm'). */
  backend?: BrowserBackendName;
  /** URL prefix of the tfjs-backend-wasm .wasm files (ends with '/'); needed for 'wasm'. */
  wasmPaths?: string;
}

/** What {@link initBrowserBackend} started. */
export interface BrowserBackendInfo {
  /** The tfjs backend now active. */
  backend: BrowserBackendName;
  /** webgl: the GL renderer string (e.g. a GPU name, or SwiftShader / llvmpipe when software). */
  renderer?: string;
  /** webgl: whether that renderer is a software rasteriser. */
  software?: boolean;
  /** wasm: threads in use (1 unless the page is cross-origin isolated). */
  threads?: number;
}

/** The unmasked GL renderer name, when the browser exposes it. */
function webglRenderer(): string | undefined {
  const doc = (globalThis as { document?: { createElement(tag: string): unknown } }).document;
  if (!doc) return undefined;
  const canvas = doc.createElement('canvas') as {
    getContext(kind: string): {
      getExtension(name: string): { UNMASKED_RENDERER_WEBGL: number } | null;
      getParameter(p: number): unknown;
      RENDERER: number;
    } | null;
  };
  const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
  if (!gl) return undefined;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

/** Starts `backend` in the page; throws a Bert4tfjsError saying why when it cannot start (no silent fallback). */
export async function initBrowserBackend(options: BrowserBackendOptions = {}): Promise<BrowserBackendInfo> {
  const backend = options.backend ?? 'wasm';
  if (backend === 'wasm') {
    if (!options.wasmPaths) {
      throw new Bert4tfjsError(
        "initBrowserBackend: the 'wasm' backend needs wasmPaths, the URL the tfjs-backend-wasm .wasm files are served from",
        'bad-argument',
      );
    }
    // Loaded here, not at import: importing the wasm backend registers it above cpu for the whole process.
    const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
    setWasmPaths(options.wasmPaths);
  }
  if (!['wasm', 'webgl', 'cpu'].includes(backend)) {
    throw new Bert4tfjsError(`initBrowserBackend: unknown backend '${backend}' (wasm, webgl or cpu)`, 'bad-argument');
  }
  let ok = false;
  try {
    ok = await tf.setBackend(backend);
  } catch (err) {
    throw new Bert4tfjsError(`the ${backend} backend did not start: ${(err as Error).message}`, 'backend', {
      cause: err,
    });
  }
  if (!ok || tf.getBackend() !== backend) {
    throw new Bert4tfjsError(`the ${backend} backend did not start in this browser`, 'backend');
  }
  await tf.ready();
  const info: BrowserBackendInfo = { backend };
  if (backend === 'webgl') {
    info.renderer = webglRenderer() ?? 'unknown';
    info.software = /swiftshader|llvmpipe|software|softpipe/i.test(info.renderer);
  }
  if (backend === 'wasm') {
    const b = tf.backend() as unknown as { wasm?: { tfjs?: { getThreadsCount?: () => number } } };
    info.threads = b.wasm?.tfjs?.getThreadsCount?.() ?? 1;
  }
  return info;
}
