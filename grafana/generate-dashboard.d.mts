/** Types of grafana/generate-dashboard.mjs (the source of grafana/mongodb-apikey-exporter.json). */
export declare const dashboard: Record<string, unknown>;
/** Absolute path of grafana/mongodb-apikey-exporter.json. */
export declare const dashboardPath: string;
/** The dashboard JSON as written to dashboardPath. */
export declare function render(): string;
