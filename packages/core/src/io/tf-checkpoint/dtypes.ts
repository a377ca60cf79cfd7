/** TensorFlow DataType enum values <-> bert4tfjs dtypes. */
import { Bert4tfjsError } from '../../errors.ts';
import type { DType } from '../raw-tensor.ts';

/** The DataType enums this reader decodes, to their dtype. */
const FROM_ENUM: ReadonlyMap<number, DType | 'STRING'> = new Map([
  [1, 'F32'],
  [2, 'F64'],
  [3, 'I32'],
  [4, 'U8'],
  [5, 'I16'],
  [6, 'I8'],
  [7, 'STRING'],
  [9, 'I64'],
  [10, 'BOOL'],
  [14, 'BF16'],
  [19, 'F16'],
]);

/** Known TensorFlow types with no bert4tfjs dtype, named for a clearer error. */
const UNSUPPORTED: ReadonlyMap<number, string> = new Map([
  [8, 'DT_COMPLEX64'],
  [11, 'DT_QINT8'],
  [12, 'DT_QUINT8'],
  [13, 'DT_QINT32'],
  [15, 'DT_QINT16'],
  [16, 'DT_QUINT16'],
  [17, 'DT_UINT16'],
  [18, 'DT_COMPLEX128'],
  [20, 'DT_RESOURCE'],
  [21, 'DT_VARIANT'],
  [22, 'DT_UINT32'],
  [23, 'DT_UINT64'],
  [24, 'DT_FLOAT8_E5M2'],
  [25, 'DT_FLOAT8_E4M3FN'],
]);

const TO_ENUM: ReadonlyMap<DType | 'STRING', number> = new Map([...FROM_ENUM].map(([k, v]) => [v, k]));

/** The dtype of a DataType enum; throws naming `tensor` and the value when it is unknown or unsupported. */
export function dtypeFromEnum(value: number, tensor: string): DType | 'STRING' {
  const dtype = FROM_ENUM.get(value);
  if (dtype) return dtype;
  const known = UNSUPPORTED.get(value);
  if (known) {
    throw new Bert4tfjsError(
      `tensor "${tensor}": dtype ${known} (enum ${value}) is not supported`,
      'unsupported-dtype',
    );
  }
  throw new Bert4tfjsError(`tensor "${tensor}": unknown TensorFlow dtype enum ${value}`, 'bad-file');
}

/** The DataType enum of a dtype. */
export function enumFromDtype(dtype: DType | 'STRING', tensor: string): number {
  const value = TO_ENUM.get(dtype);
  if (value === undefined)
    throw new Bert4tfjsError(`tensor "${tensor}": dtype ${dtype} has no TensorFlow equivalent`, 'bad-argument');
  return value;
}
