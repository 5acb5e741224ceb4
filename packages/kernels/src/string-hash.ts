import * as tf from '@tensorflow/tfjs-core';

/**
 * TensorFlow's string hashes as unsigned 64-bit BigInts, shared by the Keras layers that hash
 * (Hashing, HashedCrossing, StringLookup / IntegerLookup OOV buckets) and the graph kernels of the
 * same ops (StringToHashBucketStrong, SparseCrossHashed), so the two paths cannot drift apart.
 */

const utf8 = new TextEncoder();
const MASK64 = (1n << 64n) - 1n;
/** FarmHash Fingerprint64 of a string's UTF-8 bytes (TF's Fingerprint64; tfjs-core ports it for StringToHashBucketFast). */
export function fingerprint64(s: string | Uint8Array): bigint {
  const h = tf.util.fingerPrint64(typeof s === 'string' ? utf8.encode(s) : s);
  return (BigInt(h.getHighBitsUnsigned()) << 32n) | BigInt(h.getLowBitsUnsigned());
}

/** TensorFlow's FingerprintCat64 (tensorflow/core/platform/fingerprint.h), in 64-bit unsigned arithmetic. */
export function fingerprintCat64(fp1: bigint, fp2: bigint): bigint {
  const kMul = 0xc6a4a7935bd1e995n;
  const shiftMix = (v: bigint) => v ^ (v >> 47n);
  let result = fp1 ^ kMul;
  result ^= (shiftMix((fp2 * kMul) & MASK64) * kMul) & MASK64;
  result = (result * kMul) & MASK64;
  result = (shiftMix(result) * kMul) & MASK64;
  return shiftMix(result);
}

/**
 * SipHash-2-4 with the 128-bit key (k0, k1): TF's StrongKeyedHash (highwayhash SipHash), which
 * StringToHashBucketStrong — Keras' Hashing with a `salt` — applies to each string's bytes.
 */
export function sipHash24(k0: bigint, k1: bigint, bytes: Uint8Array): bigint {
  const rotl = (x: bigint, b: bigint) => ((x << b) | (x >> (64n - b))) & MASK64;
  let v0 = 0x736f6d6570736575n ^ k0;
  let v1 = 0x646f72616e646f6dn ^ k1;
  let v2 = 0x6c7967656e657261n ^ k0;
  let v3 = 0x7465646279746573n ^ k1;
  const round = () => {
    v0 = (v0 + v1) & MASK64; v1 = rotl(v1, 13n) ^ v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & MASK64; v3 = rotl(v3, 16n) ^ v2;
    v0 = (v0 + v3) & MASK64; v3 = rotl(v3, 21n) ^ v0;
    v2 = (v2 + v1) & MASK64; v1 = rotl(v1, 17n) ^ v2; v2 = rotl(v2, 32n);
  };
  const word = (at: number, len: number) => {
    let m = 0n;
    for (let j = len - 1; j >= 0; j--) m = (m << 8n) | BigInt(bytes[at + j]!);
    return m;
  };
  const full = bytes.length - (bytes.length % 8);
  const compress = (m: bigint) => {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  };
  for (let i = 0; i < full; i += 8) compress(word(i, 8));
  compress((BigInt(bytes.length & 0xff) << 56n) | word(full, bytes.length - full));
  v2 ^= 0xffn;
  for (let i = 0; i < 4; i++) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

