/**
 * Embeddings: deterministic unit vectors seeded by each input's text (or token ids), as floats
 * or as base64 of little-endian float32 bytes, which is what the SDK asks for by default
 * (openai-wire.md §0.3).
 */
import { hashString, mulberry32 } from './prng.js';
import { invalidParam, missingParam, type ApiError } from './wire.js';

/** What the simulator takes from a valid embeddings request. */
export interface EmbeddingRequest {
  model: string;
  /** One seed text per input (token arrays become `tokens:1,2,3`). */
  inputs: string[];
  /** Input tokens: ceil(chars / 4) per text, the length of each token array. */
  promptTokens: number;
  /** Length of each vector. */
  dimensions: number;
  isBase64: boolean;
}

const MAX_INPUTS = 2048;
const MAX_DIMENSIONS = 16_384;

function isTokenArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => Number.isInteger(v));
}

function parseInput(input: unknown): ApiError | { inputs: string[]; promptTokens: number } {
  if (input === undefined || input === null) return missingParam('input');
  if (typeof input === 'string') {
    if (input === '') return invalidParam('input', 'must not be an empty string.');
    return { inputs: [input], promptTokens: Math.ceil(input.length / 4) };
  }
  if (!Array.isArray(input) || input.length === 0) {
    return invalidParam('input', 'expected a non-empty string or array.', 'invalid_type');
  }
  if (input.length > MAX_INPUTS) {
    return invalidParam('input', `at most ${MAX_INPUTS} items, but got ${input.length}.`);
  }
  if (isTokenArray(input))
    return { inputs: [`tokens:${input.join(',')}`], promptTokens: input.length };
  const inputs: string[] = [];
  let promptTokens = 0;
  for (let i = 0; i < input.length; i++) {
    const item: unknown = input[i];
    if (typeof item === 'string' && item !== '') {
      inputs.push(item);
      promptTokens += Math.ceil(item.length / 4);
    } else if (isTokenArray(item)) {
      inputs.push(`tokens:${item.join(',')}`);
      promptTokens += item.length;
    } else {
      return invalidParam(
        `input[${i}]`,
        'expected a non-empty string or array of token ids.',
        'invalid_type',
      );
    }
  }
  return { inputs, promptTokens };
}

/**
 * Validates a parsed embeddings body whose `model` was already checked.
 * @param defaultDimensions the model's `embeddingDimensions`
 * @returns the request, or the 400 to send
 */
export function parseEmbeddingRequest(
  body: Record<string, unknown>,
  model: string,
  defaultDimensions: number,
): EmbeddingRequest | ApiError {
  const parsed = parseInput(body.input);
  if ('status' in parsed) return parsed;
  const { dimensions = defaultDimensions, encoding_format: format } = body;
  if (
    !Number.isInteger(dimensions) ||
    (dimensions as number) < 1 ||
    (dimensions as number) > MAX_DIMENSIONS
  ) {
    return invalidParam('dimensions', `expected an integer from 1 to ${MAX_DIMENSIONS}.`);
  }
  if (format !== undefined && format !== null && format !== 'float' && format !== 'base64') {
    return invalidParam('encoding_format', "expected 'float' or 'base64'.");
  }
  return { model, ...parsed, dimensions: dimensions as number, isBase64: format === 'base64' };
}

/** A unit vector of `dimensions` float32 values, the same for the same `seedText`. */
export function embeddingVector(seedText: string, dimensions: number): Float32Array {
  const random = mulberry32(hashString(seedText));
  const raw = new Float64Array(dimensions);
  let sumSquares = 0;
  for (let i = 0; i < dimensions; i++) {
    const value = random() * 2 - 1;
    raw[i] = value;
    sumSquares += value * value;
  }
  const scale = sumSquares > 0 ? 1 / Math.sqrt(sumSquares) : 0;
  const vector = new Float32Array(dimensions);
  for (let i = 0; i < dimensions; i++) vector[i] = (raw[i] ?? 0) * scale;
  return vector;
}

const IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Base64 of the vector's little-endian float32 bytes (what the SDK's `toFloat32Array` reads). */
export function toBase64(vector: Float32Array): string {
  if (IS_LITTLE_ENDIAN) {
    return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
  }
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i] ?? 0, i * 4);
  return bytes.toString('base64');
}

/** The `list` JSON body of an embeddings response. */
export function embeddingBody(request: EmbeddingRequest): string {
  const data = request.inputs.map((text, index) => {
    const vector = embeddingVector(text, request.dimensions);
    return {
      object: 'embedding',
      index,
      embedding: request.isBase64 ? toBase64(vector) : Array.from(vector),
    };
  });
  return JSON.stringify({
    object: 'list',
    data,
    model: request.model,
    usage: { prompt_tokens: request.promptTokens, total_tokens: request.promptTokens },
  });
}
