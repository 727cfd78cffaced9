// What API tests check ledger proofs with, written from the specifications with node:crypto only:
// RFC 9162 §2.1 hashes, inclusion and consistency proofs, the bytes an entry's hash covers, and
// the signed tree-head message (src/ledger/merkle.h).
import crypto from 'node:crypto';

export const sha256 = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();
export const leafHash = (bytes) => sha256(Buffer.from([0x00]), bytes);
export const nodeHash = (l, r) => sha256(Buffer.from([0x01]), l, r);
export const hex = (h) => Buffer.from(h, 'hex');

// The bytes an entry's hash covers (OpenAPI component Entry; src/ledger/entry.c): the entry
// without entry_hash, created_at and created_at_us, with created_at_us as created_at, keys sorted,
// no spaces.
export function canonicalBytes(entry) {
  const o = { ...entry };
  delete o.entry_hash;
  delete o.created_at;
  delete o.created_at_us;
  o.created_at = entry.created_at_us;
  const sorted = {};
  for (const k of Object.keys(o).sort()) sorted[k] = o[k];
  return Buffer.from(JSON.stringify(sorted), 'utf8');
}

// RFC 9162 §2.1.3.2: verifying an inclusion proof.
export function verifyInclusion(index, size, leaf, proof, root) {
  if (index >= size) return false;
  let fn = BigInt(index), sn = BigInt(size) - 1n, r = leaf;
  for (const p of proof.map(hex)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && r.equals(root);
}

// RFC 9162 §2.1.4.2: verifying a consistency proof (first == second: empty proof, same root).
export function verifyConsistency(first, second, firstRoot, secondRoot, proofHex) {
  if (first > second) return false;
  if (first === second) return proofHex.length === 0 && firstRoot.equals(secondRoot);
  if (first === 0) return false;
  let path = proofHex.map(hex);
  if ((first & (first - 1)) === 0) path = [firstRoot, ...path];
  if (path.length === 0) return false;
  let fn = BigInt(first) - 1n, sn = BigInt(second) - 1n;
  while ((fn & 1n) === 1n) { fn >>= 1n; sn >>= 1n; }
  let fr = path[0], sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1n) === 0n) while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return fr.equals(firstRoot) && sr.equals(secondRoot) && sn === 0n;
}

// src/ledger/merkle.h: "lifelong-sth-v1\0", tree_size u64 BE, timestamp_us u64 BE, root.
export function sthMessage(th) {
  const prefix = Buffer.alloc(16);
  prefix.write('lifelong-sth-v1', 'latin1');
  const nums = Buffer.alloc(16);
  nums.writeBigUInt64BE(BigInt(th.tree_size), 0);
  nums.writeBigUInt64BE(BigInt(th.timestamp_us), 8);
  return Buffer.concat([prefix, nums, hex(th.root_hash)]);
}

// An Ed25519 public key (32 raw bytes, or their hex) as a node:crypto key.
export const ed25519Key = (raw) => crypto.createPublicKey({
  key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.isBuffer(raw) ? raw : hex(raw)]),
  format: 'der',
  type: 'spki',
});

// Whether the tree head bears publicKey's signature (raw bytes or hex; the head's own by default).
export const verifySth = (th, publicKey = th.public_key) =>
  crypto.verify(null, sthMessage(th), ed25519Key(publicKey), hex(th.signature));

// The root of a list of leaf hashes (RFC 9162 §2.1.1), to test the verifiers above.
export function mth(leaves) {
  if (leaves.length === 0) return sha256(Buffer.alloc(0));
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}
