import { base64ToBytes } from "../security/base64.ts";

/** Who may open the dashboard. At least one of the members must be set. */
export interface DashboardAuthOptions {
  /** Accepted bearer tokens (`Authorization: Bearer <token>`), for proxies and scripts. */
  bearer?: string | string[];
  /** Accepted HTTP Basic credentials: the browser asks for them. */
  basic?: { username: string; password: string } | { username: string; password: string }[];
  /** Your own check (a session cookie, an SSO header set by a proxy); true lets the request in. */
  check?: (request: Request) => boolean | Promise<boolean>;
}

const HMAC = { name: "HMAC", hash: "SHA-256" } as const;
const encoder = new TextEncoder();

/** Checks dashboard requests; secrets are compared through an HMAC so timing reveals nothing. */
export class DashboardAuthenticator {
  readonly #key: Promise<CryptoKey>;
  readonly #tokens: Promise<ArrayBuffer[]>;
  readonly #basics: Promise<ArrayBuffer[]>;
  readonly #check: DashboardAuthOptions["check"];
  readonly #hasBasic: boolean;

  /** Prepares the checks; throws `TypeError` when nothing is configured. */
  constructor(options: DashboardAuthOptions) {
    const tokens = [options.bearer ?? []].flat().filter((t) => t !== "");
    const basics = [options.basic ?? []].flat().map((b) => `${b.username}:${b.password}`);
    if (tokens.length === 0 && basics.length === 0 && !options.check) {
      throw new TypeError(
        "stemDashboard auth needs { bearer }, { basic } or { check } (or auth: false on loopback).",
      );
    }
    this.#check = options.check;
    this.#hasBasic = basics.length > 0;
    const random = crypto.getRandomValues(new Uint8Array(32));
    this.#key = crypto.subtle.importKey("raw", random, HMAC, false, ["sign", "verify"]);
    const macs = (list: string[]) =>
      this.#key.then((key) =>
        Promise.all(list.map((t) => crypto.subtle.sign("HMAC", key, encoder.encode(t))))
      );
    this.#tokens = macs(tokens);
    this.#basics = macs(basics);
  }

  /** The `WWW-Authenticate` challenge of a refused request. */
  get challenge(): string {
    return this.#hasBasic ? 'Basic realm="stem dashboard", charset="UTF-8"' : 'Bearer realm="stem"';
  }

  /** True when the request carries accepted credentials. */
  async allows(request: Request): Promise<boolean> {
    const header = request.headers.get("authorization") ?? "";
    const [scheme, value = ""] = header.split(/\s+/, 2);
    if (scheme.toLowerCase() === "bearer" && (await this.#matches(value, this.#tokens))) {
      return true;
    }
    if (
      scheme.toLowerCase() === "basic" && (await this.#matches(decodeBasic(value), this.#basics))
    ) {
      return true;
    }
    return this.#check ? (await this.#check(request)) === true : false;
  }

  async #matches(given: string, accepted: Promise<ArrayBuffer[]>): Promise<boolean> {
    const macs = await accepted;
    if (given === "" || macs.length === 0) return false;
    const key = await this.#key;
    let ok = false;
    for (const mac of macs) {
      ok = (await crypto.subtle.verify("HMAC", key, mac, encoder.encode(given))) || ok;
    }
    return ok;
  }
}

function decodeBasic(value: string): string {
  try {
    return new TextDecoder().decode(base64ToBytes(value));
  } catch {
    return "";
  }
}
