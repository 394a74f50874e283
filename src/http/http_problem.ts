import { StemError } from "../core/errors.ts";

/** An HTTP-level failure (bad body, missing auth, size limit) with the status to answer with. */
export class HttpProblem extends StemError {
  /** HTTP status code. */
  readonly status: number;
  /** Extra members for the problem document. */
  readonly extensions: Record<string, unknown>;
  /** Extra response headers (e.g. `WWW-Authenticate`). */
  readonly headers: Record<string, string>;

  /** Creates the problem. */
  constructor(
    status: number,
    code: string,
    message: string,
    options: { extensions?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(code, message);
    this.status = status;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
}
