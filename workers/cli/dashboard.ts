/**
 * `stem dashboard`: serves the web dashboard over the stores of `--broker` / `--backend` until
 * SIGINT/SIGTERM.
 *
 * @module
 */
import { readVariable } from "../runtime/env.ts";
import { onShutdownSignal } from "../runtime/signals.ts";
import { durationFlag, STORE_DETAILS, STORE_OPTIONS, withApp } from "./store_flags.ts";
import { integerFlag, listFlag, stringFlag, UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import type { DashboardAuthOptions } from "../../src/dashboard/dashboard_auth.ts";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

function authFrom(
  token: string | undefined,
  basic: string | undefined,
): DashboardAuthOptions | false {
  if (!token && !basic) return false;
  const auth: DashboardAuthOptions = {};
  if (token) auth.bearer = token;
  if (basic) {
    const colon = basic.indexOf(":");
    if (colon <= 0 || colon === basic.length - 1) {
      throw new UsageError('--basic must be "user:password"');
    }
    auth.basic = { username: basic.slice(0, colon), password: basic.slice(colon + 1) };
  }
  return auth;
}

/** `stem dashboard`. */
export const dashboardCommand: Command = {
  name: "dashboard",
  summary: "Serve the web dashboard (queues, tasks, dead letters, workers, schedules, workflows).",
  details: `Binds 127.0.0.1 by default and then needs no credentials; any other --hostname needs
--basic (browsers) or --token (Authorization: Bearer, for proxies and scripts).
Environment: STEM_DASHBOARD_BASIC, STEM_DASHBOARD_TOKEN, STEM_DASHBOARD_PORT. ${STORE_DETAILS}`,
  options: {
    ...STORE_OPTIONS,
    port: { type: "string", valueName: "N", description: "Port (default 3080; 0 picks one)." },
    hostname: {
      type: "string",
      valueName: "HOST",
      description: "Interface to bind (default 127.0.0.1).",
    },
    "base-path": {
      type: "string",
      valueName: "PATH",
      description: 'Serve under a path, e.g. "/stem".',
    },
    basic: {
      type: "string",
      valueName: "USER:PASS",
      description: "HTTP Basic credentials.",
      secret: true,
    },
    token: { type: "string", valueName: "T", description: "Accepted bearer token.", secret: true },
    queue: {
      type: "string",
      multiple: true,
      valueName: "NAME",
      description: "Queues to show besides those workers consume (repeatable, or a,b).",
    },
    refresh: {
      type: "string",
      valueName: "DURATION",
      description: "How often live pages look for changes (default 2s).",
    },
    "read-only": { type: "boolean", description: "Hide actions and refuse POSTs." },
  },
  async run({ values }, context) {
    const { env, io, secrets } = context;
    const token = stringFlag(values, "token") ?? readVariable(env, "STEM_DASHBOARD_TOKEN");
    const basic = stringFlag(values, "basic") ?? readVariable(env, "STEM_DASHBOARD_BASIC");
    for (const secret of [token, basic, basic?.slice(basic.indexOf(":") + 1)]) {
      if (secret) secrets.add(secret);
    }
    const auth = authFrom(token, basic);
    const hostname = stringFlag(values, "hostname") ?? "127.0.0.1";
    if (auth === false && !LOOPBACK.has(hostname)) {
      throw new UsageError(
        `Serving on ${hostname} needs credentials: pass --basic user:password or --token`,
      );
    }
    const portText = readVariable(env, "STEM_DASHBOARD_PORT");
    const port = integerFlag(values, "port", 0) ??
      integerFlag({ port: portText }, "port", 0) ?? 3080;
    const refresh = durationFlag(values, "refresh");
    const queues = listFlag(values, "queue");
    await withApp(values, context, async (app) => {
      const [{ stemDashboard }, { serveFetch }] = await Promise.all([
        import("../../src/dashboard/stem_dashboard.ts"),
        import("../runtime/serve.ts"),
      ]);
      const streams = new AbortController();
      const basePath = stringFlag(values, "base-path");
      const dashboard = stemDashboard(app, {
        auth,
        basePath,
        refreshInterval: refresh,
        readOnly: values["read-only"] === true,
        signal: streams.signal,
        control: app.control,
        ...(queues ? { queues } : {}),
      });
      const server = serveFetch(hostname, port, dashboard.fetch);
      const host = hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
      io.out(`[stem] dashboard http://${host}:${server.port}${basePath ?? ""}/`);
      await new Promise<void>((resolve) => {
        let stopping = false;
        onShutdownSignal((signal) => {
          if (stopping) return;
          stopping = true;
          io.out(`[stem] ${signal}: dashboard stopping`);
          resolve();
        });
      });
      streams.abort();
      await server.stop();
      io.out("[stem] dashboard stopped");
    });
  },
};
