import { ACCESS_LIST_ENTRIES_SHOWN } from '../model/api-key.js';
import type { OwnerType } from '../model/scope.js';

export { REASONS, type Reason } from '../model/reason.js';

/** Every metric name of the exporter, and only here. */
export const NAMESPACE = 'mongodb_apikey';

const POLLED = 'As of the last background poll.';
const AT_SCRAPE = 'Computed at scrape time from the last background poll.';

/** A metric family: name, type and HELP text. */
export interface Family {
  readonly name: string;
  readonly type: 'gauge' | 'counter' | 'histogram';
  readonly help: string;
}

const family = (suffix: string, type: Family['type'], help: string): Family => ({ name: `${NAMESPACE}_${suffix}`, type, help });

/** Per-key families. */
export const KEY_FAMILIES = {
  info: family('info', 'gauge', `Descriptive labels of an API key; always 1. ${POLLED}`),
  created: family('created_timestamp_seconds', 'gauge', `Creation time of the API key, Unix seconds. ${POLLED}`),
  age: family('age_seconds', 'gauge', `Seconds since the API key was created. ${AT_SCRAPE}`),
  enabled: family('enabled', 'gauge', `1 if the API key is enabled, 0 if disabled. ${POLLED}`),
  usedCount: family('uses', 'gauge', `Number of times the personal API key was used, as the API reports it (usedCount); no other kind reports a total use. ${POLLED}`),
  lastUsed: family('last_used_timestamp_seconds', 'gauge', `Last use of the API key, Unix seconds; absent when never used. ${POLLED}`),
  idle: family('idle_seconds', 'gauge', `Seconds since the API key was last used, or since creation when never used (where the API gives a creation time). ${AT_SCRAPE}`),
  expiry: family('expiry_timestamp_seconds', 'gauge', `Expiry time of the service-account secret, Unix seconds. ${POLLED}`),
  expiresIn: family('expires_in_seconds', 'gauge', `Seconds until the service-account secret expires; negative once expired. ${AT_SCRAPE}`),
  role: family('role_info', 'gauge', `A role the key or service account holds (role, role_org_id, role_project_id); always 1. ${POLLED}`),
  accessListEntries: family('access_list_entries', 'gauge', `Entries on the API access list of the programmatic key, or of the service account of the secret. ${POLLED}`),
  unrestricted: family('unrestricted', 'gauge', `1 if the programmatic key or service-account secret can be used from any address (0.0.0.0/0 or ::/0 on its access list, or an empty list while the organisation does not require one or does not say), 0 otherwise. ${POLLED}`),
  accessListEntryCreated: family('access_list_entry_created_timestamp_seconds', 'gauge', `When the access-list entry (label entry: CIDR block or address) was added, Unix seconds; for at most ${ACCESS_LIST_ENTRIES_SHOWN} entries per key, the most recently used. ${POLLED}`),
  accessListEntryLastUsed: family('access_list_entry_last_used_timestamp_seconds', 'gauge', `Latest request from an address of the access-list entry, Unix seconds; absent when none came. For at most ${ACCESS_LIST_ENTRIES_SHOWN} entries per key, the most recently used. ${POLLED}`),
  accessListEntryRequests: family('access_list_entry_requests', 'gauge', `Requests that came from last_used_address, the address of the entry's latest request, as the API reports them (count, requestCount): not the entry's nor the key's total use. For at most ${ACCESS_LIST_ENTRIES_SHOWN} entries per key, the most recently used. ${POLLED}`),
} as const;

/** Per-scope families. */
export const SCOPE_FAMILIES = {
  keys: family('keys', 'gauge', `Number of API keys (or service-account secrets) in the scope: a user, a project or an organisation. ${POLLED}`),
  up: family('scope_up', 'gauge', `1 if the last poll of the scope succeeded, 0 if it failed. ${POLLED}`),
  lastSuccess: family('scope_last_success_timestamp_seconds', 'gauge', `Time of the last successful poll of the scope, Unix seconds. ${POLLED}`),
  errors: family('scope_errors_total', 'counter', `Failed polls of the scope since the exporter started, by reason. ${POLLED}`),
} as const;

/** Per-trail families: the events of an organisation (project_id absent) or of one of its projects. */
export const TRAIL_FAMILIES = {
  eventLast: family('event_last_timestamp_seconds', 'gauge', `Time of the newest event of the type (event_type) in the trail, Unix seconds, over the events lookback. ${POLLED}`),
  up: family('events_up', 'gauge', `1 if the last read of the trail's events succeeded, 0 if it failed. ${POLLED}`),
  anyAddressAdded: family(
    'event_any_address_added_timestamp_seconds',
    'gauge',
    `Time of the newest event that added 0.0.0.0/0 or ::/0 to the access list of an API key or a service account in the trail, Unix seconds; absent when none over the events lookback. ${POLLED}`,
  ),
} as const;

/** The exporter's own families. */
export const EXPORTER_FAMILIES = {
  pollDuration: family('poll_duration_seconds', 'histogram', 'Duration of one full background poll cycle.'),
  lastPoll: family('last_poll_timestamp_seconds', 'gauge', 'End of the last completed background poll cycle, Unix seconds.'),
  apiRequests: family('api_requests_total', 'counter', 'HTTP requests sent to the MongoDB Cloud APIs, by API and status code (401 digest challenges included).'),
  apiRequestDuration: family('api_request_duration_seconds', 'histogram', 'Duration of HTTP requests to the MongoDB Cloud APIs, until the whole response is read.'),
  discoveryUp: family(
    'discovery_up',
    'gauge',
    '1 if the last discovery listing of the credential succeeded, 0 if it failed: its organisations or projects (org_id empty), or the projects of the organisation org_id.',
  ),
  rateLimitRemaining: family('api_ratelimit_remaining', 'gauge', 'RateLimit-Remaining of the last API response that sent one, by API.'),
  buildInfo: family('exporter_build_info', 'gauge', 'Version of the exporter and of Node.js; always 1.'),
  shardInfo: family('shard_info', 'gauge', "This replica's shard: index of count (--shard.*); always 1."),
  shardScopes: family('shard_scopes', 'gauge', 'Scopes this replica polls, by kind (its shard of the listed scopes).'),
  listedScopes: family('listed_scopes', 'gauge', 'Scopes the last cycle listed, by kind, before sharding: the same on every replica.'),
  secretFileRead: family(
    'secret_file_read_successful',
    'gauge',
    'For each secret given as a file (apiKeyFile, privateKeyFile, clientSecretFile, …; label field: the secret field): 1 if the last read of the file succeeded, 0 if it was unreadable or empty, and the last good value is still in use.',
  ),
  configReload: family('config_last_reload_successful', 'gauge', '1 if the last reload of the config file (SIGHUP, POST /-/reload) succeeded or none was asked, 0 if it failed and the running config stayed.'),
  configReloadTime: family('config_last_reload_success_timestamp_seconds', 'gauge', 'Time of the last successful load of the config file, start-up included, Unix seconds.'),
} as const;

export const LABELS = {
  kind: 'kind',
  keyId: 'key_id',
  reason: 'reason',
  api: 'api',
  code: 'code',
  credential: 'credential',
  userId: 'user_id',
  orgId: 'org_id',
  projectId: 'project_id',
  eventType: 'event_type',
  version: 'version',
  index: 'index',
  count: 'count',
  nodejsVersion: 'nodejs_version',
  description: 'description',
  keySuffix: 'key_suffix',
  createdBy: 'created_by',
  createdUserId: 'created_user_id',
  createdIp: 'created_ip',
  publicKey: 'public_key',
  clientId: 'client_id',
  accountName: 'account_name',
  role: 'role',
  roleOrgId: 'role_org_id',
  roleProjectId: 'role_project_id',
  entry: 'entry',
  lastUsedAddress: 'last_used_address',
  field: 'field',
} as const;

/** The owner label of each kind of owner; an Ops Manager instance has none (one instance per exporter). */
export const OWNER_LABEL: Readonly<Record<OwnerType, typeof LABELS.userId | typeof LABELS.projectId | typeof LABELS.orgId | undefined>> = {
  user: LABELS.userId,
  project: LABELS.projectId,
  org: LABELS.orgId,
  global: undefined,
};

/** The label that names an owner, where known. */
export const OWNER_NAME_LABEL: Readonly<Record<OwnerType, 'username' | 'project_name' | 'org_name' | undefined>> = {
  user: 'username',
  project: 'project_name',
  org: 'org_name',
  global: undefined,
};

/** Prometheus text-format 0.0.4, the one every scraper reads. */
export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
