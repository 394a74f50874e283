// `stem keys generate --algorithm hmac-sha256|ed25519|aes-gcm [--key-id ID] [--json]`
import { type GeneratedKeyKind, generateKeys } from "../../src/security/key_generation.ts";

const USAGE =
  `Usage: stem keys generate --algorithm hmac-sha256|ed25519|aes-gcm [--key-id ID] [--json]

Prints STEM_* environment lines with fresh random keys:
  hmac-sha256  a shared secret (producers and workers get the same lines)
  ed25519      a key pair (producers get all lines; workers need only the public key)
  aes-gcm      an AES-256 payload encryption key (STEM_ENCRYPTION_*)`;

const KINDS: GeneratedKeyKind[] = ["hmac-sha256", "ed25519", "aes-gcm"];

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

function lines(env: Record<string, string>): string {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`).join("\n");
}

/** Runs `stem keys ...`; resolves with the exit code (0 ok, 64 usage error). */
export async function keysCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === "help" || rest.includes("--help")) {
    console.log(USAGE);
    return sub === undefined ? 64 : 0;
  }
  if (sub !== "generate") {
    console.error(`Unknown keys command "${sub}".\n\n${USAGE}`);
    return 64;
  }
  const kind = (option(rest, "algorithm") ?? "hmac-sha256") as GeneratedKeyKind;
  if (!KINDS.includes(kind)) {
    console.error(`Unknown algorithm "${kind}": use ${KINDS.join(", ")}.`);
    return 64;
  }
  let generated;
  try {
    generated = await generateKeys(kind, option(rest, "key-id"));
  } catch (error) {
    console.error((error as Error).message);
    return 64;
  }
  if (rest.includes("--json")) {
    console.log(JSON.stringify(generated, null, 2));
    return 0;
  }
  console.log(`# Producers (keep secret):\n${lines(generated.env)}`);
  if (kind === "ed25519") {
    console.log(`\n# Workers (verify only):\n${lines(generated.workerEnv)}`);
  }
  return 0;
}
