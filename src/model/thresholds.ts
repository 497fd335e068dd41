/**
 * When a key or the exporter needs attention: every threshold of the alert rules, with its default
 * and where it is written. The audit page's defaults and the dashboard's read these values; the
 * list the Helm chart's PrometheusRule applies `prometheusRule.thresholds` by is generated from
 * them (helm/thresholds.ts); test/thresholds checks that prometheus/alerts.yaml, the chart's values,
 * the runbooks and the README state the same numbers.
 */

/** A field of an alert rule: `summary` and `description` are annotations. */
export type RuleField = 'expr' | 'for' | 'summary' | 'description';

/** Where a threshold is written in one rule of prometheus/alerts.yaml. */
export interface RuleText {
  readonly alert: string;
  readonly field: RuleField;
  /** The text around the value, `{}` standing for the value. */
  readonly text: string;
  /** How the text reads at the default value, when not `text` with the default in it. */
  readonly atDefault?: string;
}

interface Common {
  /** Every place the rules write the threshold; each text occurs once in its field. */
  readonly rules: readonly RuleText[];
  /** The Helm value under `prometheusRule.thresholds` that changes it, when the chart can. */
  readonly chartValue?: string;
  /** The name in {@link THRESHOLDS} of a threshold this one must stay below (the chart checks it). */
  readonly below?: string;
}

/** A number of days or seconds, or a Prometheus duration (`15m`). */
export type Threshold = (Common & { readonly unit: 'days' | 'seconds'; readonly default: number }) | (Common & { readonly unit: 'duration'; readonly default: string });

export const THRESHOLDS = {
  /** Last used longer ago than this: MongoDBApiKeyIdle, the dashboard's idle_days, the audit's idleDays. */
  idle: {
    unit: 'days',
    default: 90,
    chartValue: 'idleDays',
    rules: [
      { alert: 'MongoDBApiKeyIdle', field: 'expr', text: 'mongodb_apikey_idle_seconds > {} * 86400' },
      { alert: 'MongoDBApiKeyIdle', field: 'summary', text: 'has not been used for more than {} days' },
    ],
  },
  /** Never used and created longer ago than this: MongoDBApiKeyNeverUsed, never_used_grace_days, neverUsedDays. */
  neverUsed: {
    unit: 'days',
    default: 30,
    chartValue: 'neverUsedDays',
    rules: [
      { alert: 'MongoDBApiKeyNeverUsed', field: 'expr', text: 'mongodb_apikey_age_seconds > {} * 86400' },
      { alert: 'MongoDBApiKeyNeverUsed', field: 'summary', text: 'has never been used in more than {} days' },
    ],
  },
  /** Created longer ago than this: MongoDBApiKeyRotationDue, rotation_days. */
  rotation: {
    unit: 'days',
    default: 365,
    chartValue: 'rotationDays',
    rules: [
      { alert: 'MongoDBApiKeyRotationDue', field: 'expr', text: 'mongodb_apikey_age_seconds > {} * 86400' },
      { alert: 'MongoDBApiKeyRotationDue', field: 'summary', text: 'is older than {} days' },
    ],
  },
  /** A secret expiring within this many days: MongoDBApiKeySecretExpiringSoon, expiry_days, expiringDays. */
  secretExpiryWarning: {
    unit: 'days',
    default: 14,
    chartValue: 'secretExpiryWarningDays',
    rules: [
      { alert: 'MongoDBApiKeySecretExpiringSoon', field: 'expr', text: 'mongodb_apikey_expires_in_seconds < {} * 86400' },
      { alert: 'MongoDBApiKeySecretExpiringSoon', field: 'summary', text: 'expires within {} days' },
    ],
  },
  /** A secret expiring within this many days: MongoDBApiKeySecretExpiringVerySoon, which takes it from ExpiringSoon. */
  secretExpiryCritical: {
    unit: 'days',
    default: 3,
    chartValue: 'secretExpiryCriticalDays',
    below: 'secretExpiryWarning',
    rules: [
      { alert: 'MongoDBApiKeySecretExpiringSoon', field: 'expr', text: 'mongodb_apikey_expires_in_seconds < {} * 86400' },
      { alert: 'MongoDBApiKeySecretExpiringVerySoon', field: 'expr', text: 'mongodb_apikey_expires_in_seconds < {} * 86400' },
      { alert: 'MongoDBApiKeySecretExpiringVerySoon', field: 'summary', text: 'expires within {} days' },
    ],
  },
  /** A programmatic key with ORG_OWNER last used longer ago than this: MongoDBApiKeyOrgOwnerIdle. */
  orgOwnerIdle: {
    unit: 'days',
    default: 90,
    chartValue: 'orgOwnerIdleDays',
    rules: [
      { alert: 'MongoDBApiKeyOrgOwnerIdle', field: 'expr', text: 'mongodb_apikey_idle_seconds{kind="programmatic"} > {} * 86400' },
      { alert: 'MongoDBApiKeyOrgOwnerIdle', field: 'summary', text: 'has been idle for more than {} days' },
    ],
  },
  /** How long every poll of a scope fails before MongoDBApiKeyScopeDown. */
  scopeDown: {
    unit: 'duration',
    default: '15m',
    chartValue: 'scopeDownFor',
    rules: [
      { alert: 'MongoDBApiKeyScopeDown', field: 'for', text: '{}' },
      { alert: 'MongoDBApiKeyScopeDown', field: 'description', text: 'failed for {}', atDefault: 'failed for 15 minutes' },
    ],
  },
  /**
   * How long after a change its alert fires, in seconds: MongoDBApiKeyCreated (a new key), MongoDBApiKeyAccessListEntryAdded,
   * MongoDBApiKeyAccessListOpenedToAnyAddress, MongoDBApiKeyRolesChanged, MongoDBApiKeyCreatedOrDeleted,
   * and the dashboard's recent changes. Longer than a poll interval and a few failed polls.
   */
  recentChange: {
    unit: 'seconds',
    default: 3600,
    chartValue: 'recentChangeSeconds',
    rules: [
      { alert: 'MongoDBApiKeyCreated', field: 'expr', text: '(mongodb_apikey_age_seconds < {})' },
      { alert: 'MongoDBApiKeyAccessListEntryAdded', field: 'expr', text: 'SERVICE_ACCOUNT_ACCESS_LIST_ENTRY_ADDED"} < {}' },
      { alert: 'MongoDBApiKeyAccessListEntryAdded', field: 'description', text: '(in the last {} seconds)', atDefault: '(in the last hour)' },
      { alert: 'MongoDBApiKeyAccessListOpenedToAnyAddress', field: 'expr', text: 'mongodb_apikey_event_any_address_added_timestamp_seconds < {}' },
      { alert: 'MongoDBApiKeyAccessListOpenedToAnyAddress', field: 'description', text: '(in the last {} seconds)', atDefault: '(in the last hour)' },
      { alert: 'MongoDBApiKeyRolesChanged', field: 'expr', text: 'SERVICE_ACCOUNT_ROLES_CHANGED"} < {}' },
      { alert: 'MongoDBApiKeyRolesChanged', field: 'description', text: '(in the last {} seconds)', atDefault: '(in the last hour)' },
      { alert: 'MongoDBApiKeyCreatedOrDeleted', field: 'expr', text: 'SERVICE_ACCOUNT_SECRET_DELETED"} < {}' },
      { alert: 'MongoDBApiKeyCreatedOrDeleted', field: 'description', text: '(in the last {} seconds)', atDefault: '(in the last hour)' },
    ],
  },
  /** Seconds since the last completed poll (three default intervals): MongoDBApiKeyExporterNoRecentPoll, the dashboard's red. */
  noRecentPoll: {
    unit: 'seconds',
    default: 900,
    rules: [{ alert: 'MongoDBApiKeyExporterNoRecentPoll', field: 'expr', text: ') > {}' }],
  },
} as const satisfies Record<string, Threshold>;

/** A rule text with the value written in; at the default, the text as the rules hold it. */
export function ruleText(threshold: Threshold, site: RuleText, value: number | string = threshold.default): string {
  if (value === threshold.default && site.atDefault !== undefined) return site.atDefault;
  return site.text.replace('{}', String(value));
}
