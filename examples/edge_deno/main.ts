// The edge producer under Deno (Deno Deploy, or `deno run --allow-net`): serves the Stem HTTP API.
//   deno run --allow-net --allow-env examples/edge_deno/main.ts
// With only --allow-net, pass the environment as a JSON argument instead:
//   deno run --allow-net examples/edge_deno/main.ts '{"STEM_BROKER_URL":"https://...", ...}'
import { edgeAppFor } from "../edge_common/edge_app.ts";

const env = Deno.args[0] ? JSON.parse(Deno.args[0]) : Deno.env.toObject();
const port = Number(env.PORT ?? 8000);
const app = edgeAppFor(env);
Deno.serve({
  hostname: env.HOSTNAME ?? "127.0.0.1",
  port,
  onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}`),
}, app);
