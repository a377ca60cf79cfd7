/** Types the TensorFlow checkpoint reader and writer share with their callers. */
import type { DType, RawTensor } from '../raw-tensor.ts';

/** A DT_STRING tensor: one byte string per element, row-major. */
export interface StringTensor {
  dtype: 'STRING';
  shape: number[];
  values: Uint8Array[];
}

/** Any tensor a TensorFlow checkpoint can hold here. */
export type CheckpointTensor = RawTensor | StringTensor;

/** One variable as `tf.train.list_variables` reports it. */
export interface TfVariableInfo {
  name: string;
  dtype: DType | 'STRING';
  shape: number[];
}
