// The dashboard's only script and stylesheet, embedded so it works offline and on edge hosts
// (no CDN, no build step, nothing read from disk at run time).

/** The browser script: live refresh over server-sent events (polling as fallback), confirmations. */
export const DASHBOARD_JS = `"use strict";
(() => {
  const body = document.body;
  const base = body.dataset.base || "";
  const every = Number(body.dataset.refresh || "2000");
  const dot = document.getElementById("live-dot");
  let busy = false;
  const busyForm = () => {
    const el = document.activeElement;
    return !!el && !!el.closest && !!el.closest("#live") && /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
  };
  async function refresh() {
    if (busy || busyForm()) return;
    const live = document.getElementById("live");
    if (!live) return;
    busy = true;
    try {
      const res = await fetch(location.href, { headers: { "x-stem-fragment": "1" }, credentials: "same-origin" });
      if (res.ok) {
        live.innerHTML = await res.text();
        body.dataset.refreshed = String(Number(body.dataset.refreshed || "0") + 1);
      }
    } catch (_) { /* next tick tries again */ } finally { busy = false; }
  }
  function poll() {
    if (dot) { dot.className = "live-dot polling"; dot.title = "Refreshing every " + every + " ms"; }
    setInterval(refresh, every);
  }
  if (document.getElementById("live")) {
    if (typeof EventSource === "function") {
      const source = new EventSource(base + "/events");
      source.addEventListener("open", () => { if (dot) { dot.className = "live-dot on"; dot.title = "Live"; } });
      source.addEventListener("change", refresh);
      source.addEventListener("error", () => { if (source.readyState === 2) poll(); });
    } else poll();
  }
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const question = form && form.dataset ? form.dataset.confirm : undefined;
    if (question && !confirm(question)) event.preventDefault();
  });
})();
`;

/** The stylesheet: light and dark from the system setting. */
export const DASHBOARD_CSS =
  `:root{--bg:#f6f7f9;--fg:#1d2330;--muted:#667085;--card:#fff;--line:#e3e6eb;--accent:#3b5bdb;
--ok:#2b8a3e;--warn:#e67700;--bad:#c92a2a;--info:#1971c2;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
@media (prefers-color-scheme:dark){:root{--bg:#10131a;--fg:#e4e7ee;--muted:#98a2b3;--card:#181c25;--line:#2a303c;--accent:#748ffc}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg)}
header{display:flex;align-items:center;gap:1.5rem;padding:.6rem 1.2rem;background:var(--card);border-bottom:1px solid var(--line);flex-wrap:wrap}
header .brand{font-weight:700;font-size:1.05rem;color:var(--fg);text-decoration:none}
nav a{color:var(--muted);text-decoration:none;margin-right:1rem}nav a.active,nav a:hover{color:var(--accent)}
header form{margin-left:auto}main{padding:1.2rem;max-width:1400px;margin:0 auto}
h1{font-size:1.35rem;margin:.2rem 0 1rem}h2{font-size:1.05rem;margin:1.4rem 0 .6rem}
a{color:var(--accent)}.muted{color:var(--muted)}code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}
pre{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:.6rem;overflow:auto;max-height:24rem;white-space:pre-wrap;word-break:break-word}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:.8rem;margin-bottom:1rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.8rem 1rem}
.card .n{font-size:1.6rem;font-weight:700}.card .l{color:var(--muted);font-size:.85rem}
.panel{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem;margin-bottom:1rem;overflow-x:auto}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600;font-size:.85rem}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0}dl.kv dt{color:var(--muted)}dl.kv dd{margin:0}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.8rem;font-weight:600;background:var(--line)}
.badge-succeeded,.badge-ok,.badge-online,.badge-completed,.badge-enabled{background:#d3f9d8;color:#2b8a3e}
.badge-failed,.badge-error,.badge-offline,.badge-dead{background:#ffe3e3;color:#c92a2a}
.badge-running,.badge-queued{background:#d0ebff;color:#1971c2}.badge-retried,.badge-suspended,.badge-paused,.badge-disabled{background:#fff3bf;color:#e67700}
.badge-cancelled{background:#e9ecef;color:#495057}
form.inline{display:inline}button,.button{font:inherit;padding:.3rem .8rem;border-radius:6px;border:1px solid var(--line);background:var(--card);color:var(--fg);cursor:pointer}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}button.danger{border-color:var(--bad);color:var(--bad)}
input,select,textarea{font:inherit;padding:.3rem .5rem;border:1px solid var(--line);border-radius:6px;background:var(--card);color:var(--fg)}
textarea{width:100%;min-height:5rem;font-family:ui-monospace,monospace}.filters{display:flex;gap:.6rem;flex-wrap:wrap;align-items:end;margin-bottom:.8rem}
.filters label,.form label{display:flex;flex-direction:column;font-size:.85rem;color:var(--muted);gap:.2rem}
.notice{padding:.6rem 1rem;border-radius:6px;margin-bottom:1rem;background:#d3f9d8;color:#2b8a3e}.notice.error{background:#ffe3e3;color:#c92a2a}
.chart{display:block;width:100%;height:140px}.chart .s{fill:var(--ok)}.chart .f{fill:var(--bad)}.chart .axis{stroke:var(--line)}.chart-axis{display:flex;justify-content:space-between;color:var(--muted);font-size:.8rem}
.panel>h2:first-child{margin-top:0}
.progress{height:.6rem;background:var(--line);border-radius:999px;overflow:hidden;min-width:8rem}.progress>span{display:block;height:100%;background:var(--accent)}
.timeline{list-style:none;padding:0;margin:0;border-left:2px solid var(--line)}.timeline li{margin:0 0 .6rem .8rem;position:relative}
.timeline li::before{content:"";position:absolute;left:-1.23rem;top:.45rem;width:.6rem;height:.6rem;border-radius:50%;background:var(--accent)}
.live-dot{display:inline-block;width:.6rem;height:.6rem;border-radius:50%;background:var(--line)}.live-dot.on{background:var(--ok)}.live-dot.polling{background:var(--warn)}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(380px,1fr));gap:1rem}
`;
