/**
 * writeTorchBin: named tensors to the zip layout torch.save produces, so `torch.load` (and HF
 * `from_pretrained`) reads the result: `<top>/data.pkl` (protocol-2 pickle of an OrderedDict),
 * `<top>/byteorder`, `<top>/data/<key>` per tensor, `<top>/version`; all stored, 64-byte aligned.
 */
import { Bert4tfjsError } from '../../errors.ts';
import { writeFileAtomic } from '../../utils/atomic.ts';
import { DTYPE_BYTES, numElements, type NamedTensors } from '../raw-tensor.ts';
import { pickleStateDict, type PickledTensor } from './pickle-write.ts';
import { contiguousStrides, storageClassFor } from './storage.ts';
import { buildStoredZip, type ZipInput } from './zip-write.ts';

/** Options for {@link serializeTorchBin}. */
export interface TorchWriteOptions {
  /** The archive's top folder (torch uses "archive" or the file's stem); default "archive". */
  archiveName?: string;
}

/** Serializes tensors (in map order) to torch.save zip bytes, as chunks to write in order. */
export function serializeTorchBin(tensors: NamedTensors, options: TorchWriteOptions = {}): Uint8Array[] {
  const top = options.archiveName ?? 'archive';
  if (!/^[A-Za-z0-9_.-]+$/.test(top))
    throw new Bert4tfjsError(`serializeTorchBin: archiveName "${top}" must be a plain folder name`, 'bad-argument');
  const entries: PickledTensor[] = [];
  const records: ZipInput[] = [];
  let key = 0;
  for (const [name, t] of tensors) {
    storageClassFor(t.dtype); // refuses dtypes torch has no storage class for
    const numel = numElements(t.shape);
    const want = numel * DTYPE_BYTES[t.dtype];
    if (t.data.byteLength !== want) {
      throw new Bert4tfjsError(
        `serializeTorchBin: tensor "${name}" is ${t.dtype}${JSON.stringify(t.shape)} (${want} bytes) but has ${t.data.byteLength} bytes`,
        'bad-argument',
      );
    }
    const k = String(key++);
    entries.push({ name, dtype: t.dtype, shape: t.shape, stride: contiguousStrides(t.shape), key: k, numel });
    records.push({ name: `${top}/data/${k}`, data: t.data });
  }
  const text = (s: string) => new TextEncoder().encode(s);
  return buildStoredZip([
    { name: `${top}/data.pkl`, data: pickleStateDict(entries) },
    { name: `${top}/byteorder`, data: text('little') },
    ...records,
    { name: `${top}/version`, data: text('3\n') },
  ]);
}

/** Writes tensors as a PyTorch checkpoint (`pytorch_model.bin`) atomically. */
export function writeTorchBin(path: string, tensors: NamedTensors, options: TorchWriteOptions = {}): void {
  writeFileAtomic(path, serializeTorchBin(tensors, options));
}
