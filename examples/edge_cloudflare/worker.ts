// A Cloudflare Worker (module syntax) that enqueues signed Stem tasks over Upstash REST.
// Bundle: node examples/edge_cloudflare/build.mjs   (or let wrangler bundle it; see docs/edge.md)
import { edgeAppFor, type EdgeEnv } from "../edge_common/edge_app.ts";

export default {
  fetch(request: Request, env: EdgeEnv): Promise<Response> {
    return edgeAppFor(env)(request);
  },
};
