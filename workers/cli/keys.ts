/**
 * `stem keys generate`: fresh signing and encryption keys as `STEM_*` environment lines.
 *
 * @module
 */
import { type GeneratedKeyKind, generateKeys } from "../../src/security/key_generation.ts";
import { stringFlag, UsageError } from "./args.ts";
import type { Command, CommandGroup } from "./command.ts";
import { printJson } from "./output.ts";

const KINDS: GeneratedKeyKind[] = ["hmac-sha256", "ed25519", "aes-gcm"];

function lines(env: Record<string, string>): string {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`).join("\n");
}

/** `stem keys generate`. */
export const keysGenerateCommand: Command = {
  name: "generate",
  summary: "Print STEM_* environment lines with fresh random keys.",
  details: `Algorithms:
  hmac-sha256  a shared secret (producers and workers get the same lines)
  ed25519      a key pair (producers get all lines; workers need only the public key)
  aes-gcm      an AES-256 payload encryption key (STEM_ENCRYPTION_*)`,
  options: {
    algorithm: {
      type: "string",
      valueName: "NAME",
      description: `${KINDS.join(" | ")} (default hmac-sha256).`,
    },
    "key-id": { type: "string", valueName: "ID", description: "Key id (default: a dated one)." },
    json: { type: "boolean", description: "Print the keys and lines as JSON." },
  },
  async run({ values }, { io }) {
    const kind = (stringFlag(values, "algorithm") ?? "hmac-sha256") as GeneratedKeyKind;
    if (!KINDS.includes(kind)) {
      throw new UsageError(`Unknown algorithm "${kind}": use ${KINDS.join(", ")}`);
    }
    let generated;
    try {
      generated = await generateKeys(kind, stringFlag(values, "key-id"));
    } catch (error) {
      // generateKeys only rejects a malformed key id.
      throw new UsageError((error as Error).message);
    }
    if (values.json) return printJson(io, generated);
    io.out(`# Producers (keep secret):\n${lines(generated.env)}`);
    if (kind === "ed25519") io.out(`\n# Workers (verify only):\n${lines(generated.workerEnv)}`);
  },
};

/** `stem keys ...`. */
export const keysCommands: CommandGroup = {
  name: "keys",
  summary: "Generate signing and encryption keys.",
  commands: [keysGenerateCommand],
};
