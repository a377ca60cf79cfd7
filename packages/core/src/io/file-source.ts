/**
 * Where model and vocabulary files come from, behind one small interface: a model directory is a set of
 * named files (`config.json`, `model.safetensors`, `vocab.txt`). In Node `nodeFileSource` reads a folder
 * (file-source-node.ts); in a web page `fetchFileSource` fetches them from a URL and `fileListSource` reads
 * files the user picked (`<input type="file">` or drag and drop). Nothing here touches `fs`.
 */
import { Bert4tfjsError } from '../errors.ts';

/** Read access to the files of one model directory. */
export interface FileSource {
  /** Where the files come from (a folder, a URL), for error messages. */
  readonly location: string;
  /** Whether `name` exists. */
  has(name: string): Promise<boolean>;
  /** The bytes of `name`; a Bert4tfjsError naming the file when it is missing or unreadable. */
  readBytes(name: string): Promise<Uint8Array>;
  /** `name` decoded as UTF-8. */
  readText(name: string): Promise<string>;
}

/** Decodes UTF-8, naming the file when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array, where: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    throw new Bert4tfjsError(`${where}: not valid UTF-8 text (${(err as Error).message})`, 'bad-file', { cause: err });
  }
}

/** Joins a base URL (with or without a trailing slash) and a file name. */
function urlOf(base: string, name: string): string {
  return base.endsWith('/') ? `${base}${name}` : `${base}/${name}`;
}

/** Options of {@link fetchFileSource}. */
export interface FetchFileSourceOptions {
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
}

/** The files under a URL (`https://host/models/bert/` or a path relative to the page), read with fetch. */
export function fetchFileSource(baseUrl: string, options: FetchFileSourceOptions = {}): FileSource {
  const doFetch = options.fetch ?? globalThis.fetch;
  if (typeof doFetch !== 'function') {
    throw new Bert4tfjsError('fetchFileSource: no fetch in this environment; pass options.fetch', 'bad-argument');
  }
  const get = async (name: string, method: 'GET' | 'HEAD'): Promise<Response> => {
    const url = urlOf(baseUrl, name);
    try {
      return await doFetch(url, { method });
    } catch (err) {
      throw new Bert4tfjsError(`${url}: fetch failed (${(err as Error).message})`, 'missing-file', { cause: err });
    }
  };
  const source: FileSource = {
    location: baseUrl,
    async has(name) {
      return (await get(name, 'HEAD')).ok;
    },
    async readBytes(name) {
      const res = await get(name, 'GET');
      if (!res.ok) {
        throw new Bert4tfjsError(`${urlOf(baseUrl, name)}: HTTP ${res.status} ${res.statusText}`, 'missing-file');
      }
      return new Uint8Array(await res.arrayBuffer());
    },
    async readText(name) {
      return decodeUtf8(await source.readBytes(name), urlOf(baseUrl, name));
    },
  };
  return source;
}

/** The parts of a DOM `File` used here (also satisfied by Node's `File`/`Blob`). */
export interface NamedBlob {
  readonly name: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** Files the user picked (a FileList or an array of File), found by their base name. */
export function fileListSource(files: Iterable<NamedBlob>, location = 'the chosen files'): FileSource {
  const byName = new Map<string, NamedBlob>();
  for (const f of files) byName.set(f.name.slice(f.name.lastIndexOf('/') + 1), f);
  const source: FileSource = {
    location,
    async has(name) {
      return byName.has(name);
    },
    async readBytes(name) {
      const f = byName.get(name);
      if (!f) {
        const known = [...byName.keys()].join(', ') || 'none';
        throw new Bert4tfjsError(`${name} is not among ${location} (have: ${known})`, 'missing-file');
      }
      return new Uint8Array(await f.arrayBuffer());
    },
    async readText(name) {
      return decodeUtf8(await source.readBytes(name), name);
    },
  };
  return source;
}
