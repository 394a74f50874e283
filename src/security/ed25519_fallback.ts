/**
 * The pure-JavaScript Ed25519 for hosts whose Web Crypto lacks it. `ed25519_scheme.ts` imports
 * this module with `import()` only after it found no native Ed25519, so hosts that have one
 * (Deno, Bun, workerd, Node 20+) never load it, and a bundle split into chunks keeps it apart.
 *
 * @module
 */
export { getPublicKeyAsync, signAsync, verifyAsync } from "@noble/ed25519";
