/**
 * The allow-list that turns a torch.save pickle into tensors and nothing else: OrderedDict, tensor
 * and parameter rebuild functions, and typed storage classes. Every other global is refused by name
 * before anything could use it. Also picks the state dict out of the unpickled object.
 */
import { Bert4tfjsError } from '../../errors.ts';
import { describe, PyCallable, type UnpickleOptions } from './pickle-read.ts';
import { STORAGE_DTYPES, StorageType, TorchStorage, TorchTensor } from './storage.ts';

const ALLOWED =
  'collections.OrderedDict, torch._utils._rebuild_tensor_v2/_rebuild_tensor/_rebuild_parameter, torch.<Type>Storage';

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isIndexList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every(isIndex);
}

/**
 * Unpickler options for a torch.save pickle. `storages` collects the storages referenced (by key).
 * `legacy` accepts the 6-field persistent ids of the pre-1.6 format (views refused).
 */
export function torchUnpickleOptions(
  where: string,
  storages: Map<string, TorchStorage>,
  legacy = false,
): UnpickleOptions {
  const bad = (msg: string): never => {
    throw new Bert4tfjsError(`${where}: ${msg}`, 'bad-file');
  };
  const rebuildTensor = (fn: string) =>
    new PyCallable(`torch._utils.${fn}`, (args) => {
      const [storage, offset, size, stride] = args;
      if (!(storage instanceof TorchStorage))
        return bad(`${fn}: first argument is a ${describe(storage)}, expected a storage`);
      if (!isIndex(offset) || !isIndexList(size) || !isIndexList(stride)) {
        return bad(
          `${fn}: bad offset/size/stride ${JSON.stringify([offset, size, stride], (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`,
        );
      }
      return new TorchTensor(storage, storage.baseOffset + offset, size, stride);
    });
  const rebuildParameter = (fn: string) =>
    new PyCallable(`torch._utils.${fn}`, (args) => {
      if (!(args[0] instanceof TorchTensor)) return bad(`${fn}: data is a ${describe(args[0])}, expected a tensor`);
      return args[0];
    });
  const globals: Record<string, unknown> = {
    'collections.OrderedDict': new PyCallable('collections.OrderedDict', (args) => {
      const m = new Map<unknown, unknown>();
      if (args.length > 0 && Array.isArray(args[0])) {
        for (const pair of args[0] as unknown[]) {
          if (!Array.isArray(pair) || pair.length !== 2)
            return bad('OrderedDict(items): items must be (key, value) pairs');
          m.set(pair[0], pair[1]);
        }
      }
      return m;
    }),
    'torch._utils._rebuild_tensor_v2': rebuildTensor('_rebuild_tensor_v2'),
    'torch._utils._rebuild_tensor': rebuildTensor('_rebuild_tensor'),
    'torch._utils._rebuild_parameter': rebuildParameter('_rebuild_parameter'),
    'torch._utils._rebuild_parameter_with_state': rebuildParameter('_rebuild_parameter_with_state'),
  };
  for (const [cls, dtype] of Object.entries(STORAGE_DTYPES)) globals[`torch.${cls}`] = new StorageType(cls, dtype);

  return {
    where,
    findClass(module, name) {
      const g = globals[`${module}.${name}`];
      if (g === undefined) {
        return bad(
          `refusing to load global "${module}.${name}": only state-dict contents are allowed (${ALLOWED}); nothing in the file is executed`,
        );
      }
      return g;
    },
    persistentLoad(pid) {
      if (!Array.isArray(pid) || pid[0] !== 'storage')
        return bad(`unsupported persistent id ${describe(pid)}; expected ('storage', type, key, location, numel)`);
      const [, type, rawKey, , numel, view] = pid;
      if (!(type instanceof StorageType))
        return bad(`persistent id names a ${describe(type)}, expected a torch storage class`);
      const key = typeof rawKey === 'number' ? String(rawKey) : rawKey;
      if (typeof key !== 'string' || !isIndex(numel))
        return bad(`bad storage persistent id (key ${String(rawKey)}, numel ${String(numel)})`);
      if (legacy && view !== undefined && view !== null) {
        return bad(`legacy-format storage views are not supported: re-save the checkpoint with torch >= 1.6`);
      }
      const known = storages.get(key);
      if (known) {
        if (known.dtype !== type.dtype) return bad(`storage "${key}" is used as both ${known.dtype} and ${type.dtype}`);
        return known;
      }
      const s = new TorchStorage(type.dtype, key, numel);
      storages.set(key, s);
      return s;
    },
    build(obj, _state) {
      // OrderedDict state is attributes such as `_metadata` (module versions), tensor state is
      // hooks: neither changes the weights, so it is dropped.
      if (obj instanceof Map || obj instanceof TorchTensor) return obj;
      return bad(`BUILD of a ${describe(obj)} is not allowed`);
    },
  };
}

/** Keys under which training checkpoints nest the model's state dict, tried in this order. */
export const NESTED_STATE_DICT_KEYS = ['state_dict', 'model_state_dict', 'model', 'module'] as const;

function hasTensor(m: Map<unknown, unknown>): boolean {
  for (const v of m.values()) if (v instanceof TorchTensor || (v instanceof Map && hasTensor(v))) return true;
  return false;
}

/**
 * The state dict inside an unpickled object. Rule: the object must be a dict; if one of
 * {@link NESTED_STATE_DICT_KEYS} maps to a dict holding tensors, descend into the first such (again
 * applying the rule); then every tensor-valued entry is taken and other entries (step counts,
 * config strings, ...) are skipped. No tensors at all is an error.
 */
export function extractStateDict(obj: unknown, where: string): Map<string, TorchTensor> {
  if (!(obj instanceof Map)) {
    throw new Bert4tfjsError(
      `${where}: the pickled object is a ${describe(obj)}, expected a state dict (name -> tensor)`,
      'bad-file',
    );
  }
  for (const key of NESTED_STATE_DICT_KEYS) {
    const inner = obj.get(key);
    if (inner instanceof Map && hasTensor(inner)) return extractStateDict(inner, `${where} ["${key}"]`);
  }
  const out = new Map<string, TorchTensor>();
  for (const [k, v] of obj) {
    if (!(v instanceof TorchTensor)) continue;
    if (typeof k !== 'string')
      throw new Bert4tfjsError(`${where}: state dict key ${String(k)} is not a string`, 'bad-file');
    out.set(k, v);
  }
  if (out.size === 0) {
    throw new Bert4tfjsError(
      `${where}: no tensors found; expected a state dict (name -> tensor), optionally nested under ${NESTED_STATE_DICT_KEYS.map((k) => `"${k}"`).join('/')}`,
      'bad-file',
    );
  }
  return out;
}
