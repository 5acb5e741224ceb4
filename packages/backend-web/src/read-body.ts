import { LimitError, SourceIOError } from '@savedkeras/common';

/** Largest body read into one Uint8Array (typed arrays and protobuf stop near 2 GiB anyway). */
const MAX_BODY_BYTES = 2 ** 31 - 1;

/**
 * Reads a fetch Response body chunk by chunk, reporting each chunk, so a progress bar moves while
 * a large shard downloads. `expected` (from Content-Length or the range asked for) is checked
 * before allocating and again as bytes arrive: a server that sends more than it announced, or
 * more than asked for, gets an error instead of an ever-growing buffer.
 */
export async function readBody(
  response: Response,
  path: string,
  expected: number | undefined,
  onChunk: (bytes: number) => void,
): Promise<Uint8Array> {
  if (expected !== undefined && expected > MAX_BODY_BYTES) {
    throw new LimitError(`${expected} bytes is too large to read in one piece`, { file: path });
  }
  const body = response.body;
  if (!body) {
    // Some environments hand out bodies without a stream (old polyfills): one step, one event.
    const buf = new Uint8Array(await response.arrayBuffer());
    checkLength(path, buf.length, expected);
    onChunk(buf.length);
    return buf;
  }
  const reader = body.getReader();
  // With a known length the bytes go straight into their final buffer: the file is held once.
  const out = expected !== undefined ? new Uint8Array(expected) : undefined;
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (received + value.length > (expected ?? MAX_BODY_BYTES)) {
        throw new SourceIOError(
          expected !== undefined
            ? `server sent more than the ${expected} bytes it announced`
            : `response passes ${MAX_BODY_BYTES} bytes`,
          { file: path },
        );
      }
      if (out) out.set(value, received);
      else chunks.push(value);
      received += value.length;
      onChunk(value.length);
    }
  } finally {
    reader.releaseLock();
  }
  if (out) {
    checkLength(path, received, expected);
    return out;
  }
  const joined = new Uint8Array(received);
  let at = 0;
  for (const c of chunks) {
    joined.set(c, at);
    at += c.length;
  }
  return joined;
}

function checkLength(path: string, got: number, expected: number | undefined): void {
  if (expected !== undefined && got !== expected) {
    throw new SourceIOError(`download stopped after ${got} of ${expected} bytes`, {
      file: path,
      hint: 'the connection dropped or the server is serving a file that changed; retry',
    });
  }
}
