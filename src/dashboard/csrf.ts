import { bytesToBase64 } from "../security/base64.ts";

/** The form field and header that carry the CSRF token of a dashboard action. */
export const CSRF_FIELD = "_csrf";
/** Header alternative to {@link CSRF_FIELD} for scripted calls. */
export const CSRF_HEADER = "x-stem-csrf";

/**
 * Cross-site request forgery defence for the dashboard's POST actions: the request must come from
 * the dashboard's own origin (`Origin` / `Sec-Fetch-Site`) and carry the token its pages embed.
 * Another site can make a browser send a POST, but cannot read a page to learn the token.
 */
export class CsrfGuard {
  readonly #token: Promise<string>;
  readonly #trusted: Set<string>;

  /**
   * `secret` makes the token the same in every process serving one dashboard (behind a load
   * balancer); without it each process draws its own.
   */
  constructor(secret: string | undefined, trustedOrigins: readonly string[] = []) {
    const seed = secret === undefined
      ? crypto.getRandomValues(new Uint8Array(32))
      : new TextEncoder().encode(`stem-dashboard-csrf:${secret}`);
    this.#token = crypto.subtle.digest("SHA-256", seed).then((d) =>
      bytesToBase64(new Uint8Array(d)).replace(
        /[+/=]/g,
        (c) => (c === "+" ? "-" : c === "/" ? "_" : ""),
      )
    );
    this.#trusted = new Set(trustedOrigins.map((o) => new URL(o).origin));
  }

  /** The token pages embed in their action forms. */
  token(): Promise<string> {
    return this.#token;
  }

  /** Why the request is refused, or null when it may act. */
  async refusal(request: Request, submitted: string | null): Promise<string | null> {
    const origin = request.headers.get("origin");
    if (origin !== null && origin !== "null") {
      if (!this.#sameOrigin(request, origin)) {
        return `Cross-origin request refused: Origin "${origin}" is not this dashboard.`;
      }
    } else {
      const site = request.headers.get("sec-fetch-site");
      if (site !== null && site !== "same-origin" && site !== "none") {
        return `Cross-site request refused (Sec-Fetch-Site: ${site}).`;
      }
    }
    if (submitted === null || !equal(submitted, await this.#token)) {
      return "The form's CSRF token is missing or stale: reload the page and try again.";
    }
    return null;
  }

  #sameOrigin(request: Request, origin: string): boolean {
    if (this.#trusted.has(origin)) return true;
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return false;
    }
    // Behind a proxy the URL may say http://internal:8080 while the browser is on the public
    // host; the Host header is what the browser sent.
    const hosts = [new URL(request.url).host, request.headers.get("host") ?? ""];
    return hosts.includes(host);
  }
}

function equal(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
