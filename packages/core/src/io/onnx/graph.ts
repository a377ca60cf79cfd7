/**
 * A small builder for ONNX inference graphs: add inputs (with symbolic dims), initializers and nodes,
 * mark outputs, then `toModel()` / `serialize()`. Value names are made unique so family builders can
 * use readable prefixes without bookkeeping.
 */
import { Bert4tfjsError } from '../../errors.ts';
import {
  encodeOnnxModel,
  OnnxAttributeType,
  OnnxDataType,
  type OnnxAttribute,
  type OnnxDim,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from './proto.ts';

/** Attribute values a node may take; arrays of integers become INTS, of other numbers FLOATS. */
export type OnnxAttrValue =
  | number
  | string
  | number[]
  | string[]
  | OnnxTensor
  | { float: number }
  | { floats: number[] };

/** Options of {@link OnnxGraphBuilder}. */
export interface OnnxGraphOptions {
  /** Graph name. */
  name?: string;
  /** Default-domain opset version (e.g. 17). */
  opset: number;
  /** ONNX IR version written in the model (8 goes with opsets up to 18). */
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  metadata?: Record<string, string>;
}

/** Converts an attribute value to an AttributeProto; integers are INT, other numbers FLOAT. */
function toAttribute(name: string, v: OnnxAttrValue): OnnxAttribute {
  if (typeof v === 'number')
    return Number.isInteger(v)
      ? { name, type: OnnxAttributeType.INT, i: v }
      : { name, type: OnnxAttributeType.FLOAT, f: v };
  if (typeof v === 'string') return { name, type: OnnxAttributeType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string'))
      return {
        name,
        type: OnnxAttributeType.STRINGS,
        strings: (v as string[]).map((x) => new TextEncoder().encode(x)),
      };
    const nums = v as number[];
    return nums.every(Number.isInteger)
      ? { name, type: OnnxAttributeType.INTS, ints: nums }
      : { name, type: OnnxAttributeType.FLOATS, floats: nums };
  }
  if ('float' in v) return { name, type: OnnxAttributeType.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: OnnxAttributeType.FLOATS, floats: v.floats };
  return { name, type: OnnxAttributeType.TENSOR, t: v };
}

/** Little-endian bytes of a typed array (copied, so later edits of the array do not leak in). */
function bytesOf(a: Float32Array | Int32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

/** Builds one ONNX graph. */
export class OnnxGraphBuilder {
  readonly #opts: OnnxGraphOptions;
  readonly #nodes: OnnxNode[] = [];
  readonly #inits = new Map<string, OnnxTensor>();
  readonly #inputs: OnnxValueInfo[] = [];
  readonly #outputs: OnnxValueInfo[] = [];
  readonly #used = new Set<string>();
  #counter = 0;

  constructor(options: OnnxGraphOptions) {
    if (!Number.isInteger(options.opset) || options.opset < 1)
      throw new Bert4tfjsError(
        `OnnxGraphBuilder: opset must be a positive integer, got ${options.opset}`,
        'bad-argument',
      );
    this.#opts = options;
  }

  /** The default-domain opset this graph targets. */
  get opset(): number {
    return this.#opts.opset;
  }

  /** A value name not used yet, based on `base`. */
  uniqueName(base: string): string {
    let name = base;
    while (this.#used.has(name)) name = `${base}_${++this.#counter}`;
    this.#used.add(name);
    return name;
  }

  /** Declares a graph input; returns its name (taken verbatim: inputs are the graph's public API). */
  input(name: string, elemType: number, dims: OnnxDim[]): string {
    if (this.#used.has(name))
      throw new Bert4tfjsError(`OnnxGraphBuilder: input name '${name}' is already used`, 'bad-argument');
    this.#used.add(name);
    this.#inputs.push({ name, elemType, dims });
    return name;
  }

  /** Marks `value` as a graph output called `name` (an Identity node is added when the names differ). */
  output(value: string, name: string, elemType: number, dims: OnnxDim[]): void {
    if (value !== name) {
      if (this.#used.has(name))
        throw new Bert4tfjsError(`OnnxGraphBuilder: output name '${name}' is already used`, 'bad-argument');
      this.#used.add(name);
      this.#nodes.push({
        name: `${name}_identity`,
        op_type: 'Identity',
        input: [value],
        output: [name],
        attribute: [],
      });
    }
    this.#outputs.push({ name, elemType, dims });
  }

  /** Adds an initializer from raw little-endian bytes; returns its (unique) name. */
  initializerRaw(base: string, dataType: number, dims: number[], raw: Uint8Array): string {
    const name = this.uniqueName(base);
    this.#inits.set(name, { name, dims: [...dims], data_type: dataType, raw_data: raw });
    return name;
  }

  /** Adds a float32 initializer. */
  floats(base: string, data: Float32Array | number[], dims: number[] = [data.length]): string {
    const arr = data instanceof Float32Array ? data : Float32Array.from(data);
    const n = dims.reduce((a, b) => a * b, 1);
    if (n !== arr.length)
      throw new Bert4tfjsError(
        `OnnxGraphBuilder: initializer '${base}' has ${arr.length} values for dims [${dims}]`,
        'bad-argument',
      );
    return this.initializerRaw(base, OnnxDataType.FLOAT, dims, bytesOf(arr));
  }

  /** Adds an int64 initializer (shapes, axes, indices). */
  int64s(base: string, data: number[], dims: number[] = [data.length]): string {
    return this.initializerRaw(base, OnnxDataType.INT64, dims, bytesOf(BigInt64Array.from(data.map((x) => BigInt(x)))));
  }

  /** A float32 scalar constant (rank 0). */
  scalar(base: string, value: number): string {
    return this.floats(base, [value], []);
  }

  /**
   * Adds a node; `outputs` are base names (made unique) or a count of outputs named after the node.
   * Returns the output value names.
   */
  node(
    opType: string,
    inputs: string[],
    attrs: Record<string, OnnxAttrValue> = {},
    outputs: string[] | number = 1,
    domain = '',
  ): string[] {
    const nodeName = this.uniqueName(`${opType}_node`);
    const outs =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, (_, i) => this.uniqueName(`${nodeName}_out${i}`))
        : outputs.map((o) => this.uniqueName(o));
    for (const i of inputs) {
      if (i !== '' && !this.#used.has(i))
        throw new Bert4tfjsError(
          `OnnxGraphBuilder: node ${opType} reads '${i}', which nothing defines`,
          'bad-argument',
        );
    }
    const attribute = Object.entries(attrs).map(([k, v]) => toAttribute(k, v));
    this.#nodes.push({ name: nodeName, op_type: opType, domain, input: inputs, output: outs, attribute });
    return outs;
  }

  /** Shorthand for a single-output node. */
  op(opType: string, inputs: string[], attrs: Record<string, OnnxAttrValue> = {}, outputName?: string): string {
    return this.node(opType, inputs, attrs, outputName ? [outputName] : 1)[0];
  }

  /** Node and initializer counts (for reports and tests). */
  stats(): { nodes: number; initializers: number; parameters: number } {
    let parameters = 0;
    for (const t of this.#inits.values())
      if (t.data_type === OnnxDataType.FLOAT) parameters += t.dims.reduce((a, b) => a * b, 1);
    return { nodes: this.#nodes.length, initializers: this.#inits.size, parameters };
  }

  /** The finished model as a plain object. */
  toModel(): OnnxModel {
    if (this.#outputs.length === 0)
      throw new Bert4tfjsError('OnnxGraphBuilder: the graph has no outputs', 'bad-argument');
    return {
      irVersion: this.#opts.irVersion ?? 8,
      opsetImports: [{ domain: '', version: this.#opts.opset }],
      producerName: this.#opts.producerName ?? 'bert4tfjs',
      producerVersion: this.#opts.producerVersion ?? '0.1.0',
      docString: this.#opts.docString,
      metadata: this.#opts.metadata,
      graph: {
        name: this.#opts.name ?? 'graph',
        nodes: [...this.#nodes],
        initializers: [...this.#inits.values()],
        inputs: [...this.#inputs],
        outputs: [...this.#outputs],
      },
    };
  }

  /** The finished model as ModelProto bytes. */
  serialize(): Uint8Array {
    return encodeOnnxModel(this.toModel());
  }
}
