/**
 * Loads the optional native engines, @tensorflow/tfjs-node and @tensorflow/tfjs-node-gpu. Both register a tfjs
 * backend named 'tensorflow' on import and need libtensorflow, which their install downloads; where that failed
 * (offline installs) pnpm drops the package or its binding is missing. Failures become a one-line reason and
 * leave tfjs exactly as it was.
 *
 * Under pnpm, tfjs-node depends on the same @tensorflow/tfjs 4.22.0 (same peer set) as @bert4tfjs/core, so it
 * resolves to the same tfjs-core and registers into our engine; `loadNativeBackend` checks that it did.
 */
import * as tf from '@tensorflow/tfjs';

/** The tfjs backend name both native packages register. */
export const NATIVE_TFJS_BACKEND = 'tensorflow';

/** Which package serves each native engine. */
export const NATIVE_PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;

export type NativeBackendName = keyof typeof NATIVE_PACKAGES;

/** Outcome of one load attempt. */
export type NativeLoadResult = { ok: true; version: string | undefined } | { ok: false; reason: string };

/** How a package is imported; tests substitute their own. */
export type Importer = (specifier: string) => Promise<unknown>;

const defaultImporter: Importer = (specifier) => import(specifier);

// A failed native import cannot succeed later in the same process, so each package is tried once.
const attempts = new Map<string, Promise<NativeLoadResult>>();

/** First line of an error's message, trimmed to a readable length. */
function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
  return line.length > 160 ? `${line.slice(0, 157)}...` : line.trim();
}

/** Explains why importing `pkg` failed, in words a user can act on. */
export function explainImportFailure(pkg: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  // The binding check comes first: a missing tfjs_binding.node is also MODULE_NOT_FOUND, inside the package.
  if (/libtensorflow|tfjs_binding|\.node'|\.so\b|\.dll\b|\.dylib\b|shared object|dlopen/i.test(message)) {
    return `${pkg} not loadable (libtensorflow missing: ${firstLine(error)})`;
  }
  // Node names the bare specifier; loaders such as tsx name the resolved .../node_modules/<pkg>/index.js.
  const missing = (/'([^']+)'/.exec(message)?.[1] ?? '').replace(/\/(index\.js|package\.json)$/, '');
  const notFound = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
  if (notFound && (missing === pkg || missing.endsWith(`/node_modules/${pkg}`))) {
    return `${pkg} not installed (optional dependency; installs drop it when its libtensorflow download fails)`;
  }
  return `${pkg} not loadable (${firstLine(error)})`;
}

/** Reads the tfjs-node version a loaded package reports, if any. */
function nativeVersion(mod: unknown): string | undefined {
  const m = mod as { version?: Record<string, string>; default?: { version?: Record<string, string> } } | null;
  return m?.version?.['tfjs-node'] ?? m?.default?.version?.['tfjs-node'];
}

/** Removes a half-registered 'tensorflow' backend so tfjs stays usable after a failed load. */
function forgetNativeBackend(): void {
  if (tf.findBackendFactory(NATIVE_TFJS_BACKEND) != null) tf.removeBackend(NATIVE_TFJS_BACKEND);
}

async function attempt(name: NativeBackendName, importer: Importer): Promise<NativeLoadResult> {
  const pkg = NATIVE_PACKAGES[name];
  const previous = tf.getBackend();
  let mod: unknown;
  try {
    mod = await importer(pkg);
  } catch (error) {
    forgetNativeBackend();
    return { ok: false, reason: explainImportFailure(pkg, error) };
  }
  // The package registered into some tfjs-core; it must be ours, or our ops would never reach it.
  if (tf.findBackendFactory(NATIVE_TFJS_BACKEND) == null) {
    return {
      ok: false,
      reason:
        `${pkg} loaded but registered backend '${NATIVE_TFJS_BACKEND}' on another copy of @tensorflow/tfjs-core ` +
        `(install it at the same version as @tensorflow/tfjs, ${tf.version_core})`,
    };
  }
  try {
    if (!(await tf.setBackend(NATIVE_TFJS_BACKEND)))
      throw new Error(`tf.setBackend('${NATIVE_TFJS_BACKEND}') returned false`);
  } catch (error) {
    forgetNativeBackend();
    if (previous && tf.findBackendFactory(previous) != null) await tf.setBackend(previous);
    return { ok: false, reason: `${pkg} not loadable (backend failed to start: ${firstLine(error)})` };
  }
  return { ok: true, version: nativeVersion(mod) };
}

/**
 * Imports the package for `name` (once per process; later calls reuse the outcome) and makes 'tensorflow' the
 * active tfjs backend if it loads. Never throws: a failure is returned as a reason.
 */
export function loadNativeBackend(
  name: NativeBackendName,
  importer: Importer = defaultImporter,
): Promise<NativeLoadResult> {
  const key = importer === defaultImporter ? name : '';
  const cached = key ? attempts.get(key) : undefined;
  if (cached) return cached;
  const result = attempt(name, importer);
  if (key) attempts.set(key, result);
  return result;
}
