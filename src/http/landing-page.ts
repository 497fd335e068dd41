/** What the landing page shows: nothing secret, nothing from the API but counts. */
export interface LandingInfo {
  readonly version: string;
  readonly telemetryPath: string;
  readonly ready: boolean;
  readonly scopes: number;
  readonly scopesDown: number;
  readonly keys: number;
  readonly lastPollAt?: number;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** A small page linking the endpoints, as every Prometheus exporter has. Pure. */
export function renderLandingPage(info: LandingInfo): string {
  const metrics = escapeHtml(info.telemetryPath);
  const lastPoll = info.lastPollAt ? new Date(info.lastPollAt).toISOString() : 'not yet';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>MongoDB API key exporter</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:48rem}dt{font-weight:600}code{background:#f3f3f3;padding:0 .2rem}</style></head>
<body>
<h1>MongoDB API key exporter</h1>
<p>Audits MongoDB Cloud API keys (personal API keys of Atlas users, agent API keys of Cloud/Ops Manager projects) and serves them as Prometheus metrics.</p>
<ul>
<li><a href="${metrics}">${metrics}</a> — metrics</li>
<li><a href="/healthz">/healthz</a> — liveness</li>
<li><a href="/readyz">/readyz</a> — readiness (after the first completed poll)</li>
</ul>
<dl>
<dt>Version</dt><dd><code>${escapeHtml(info.version)}</code></dd>
<dt>Ready</dt><dd>${info.ready ? 'yes' : 'no, the first poll has not completed'}</dd>
<dt>Last completed poll</dt><dd>${escapeHtml(lastPoll)}</dd>
<dt>Scopes</dt><dd>${info.scopes} (${info.scopesDown} down)</dd>
<dt>Keys</dt><dd>${info.keys}</dd>
</dl>
</body>
</html>
`;
}
