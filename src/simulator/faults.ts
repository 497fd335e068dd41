/** A failure the simulator can inject into authenticated requests. */
export type Fault =
  | {
      type: 'status';
      status: 401 | 403 | 404 | 429 | 500 | 502 | 503;
      retryAfterSeconds?: number;
      /**
       * For 429: `RATE_LIMITED` (the default body) or `RATE_LIMITED_TOKEN_BUCKET` (the v2 token bucket
       * body, https://www.mongodb.com/docs/atlas/api/api-rate-limit).
       */
      errorCode?: 'RATE_LIMITED' | 'RATE_LIMITED_TOKEN_BUCKET';
    }
  /** Accept the request and never answer (until the client gives up or the server closes). */
  | { type: 'hang' }
  /** Send 200 headers and part of the body, then destroy the socket. */
  | { type: 'reset' }
  /** 200 with a syntactically broken JSON body (Content-Length matches what is sent). */
  | { type: 'truncated' }
  /** 200 with an HTML page, Content-Type text/html. */
  | { type: 'html' }
  /** Answer normally after `ms` more. */
  | { type: 'latency'; ms: number }
  /** 200 with this exact JSON body instead of the real data (schema-drift tests). */
  | { type: 'body'; body: unknown }
  /** Make every digest nonce issued so far stale, as their TTL running out would, then answer normally. */
  | { type: 'expire-nonces' };

/** A fault and how many matching authenticated requests it applies to; no `times` = until cleared. */
export interface FaultRule {
  fault: Fault;
  times?: number;
}

/**
 * Fault rules by target: a user id, a project id, `byName:<username>`, or `groups`; for the
 * organisation routes an organization id (every `/orgs/{orgId}…` route but the access lists), a
 * project id (`/groups/{groupId}/apiKeys|serviceAccounts`), an API key id or a service account
 * client id (its access list), `events:<orgId|groupId>` (an events listing, which an organisation or
 * project id faults too), `orgs` (the organization listing), `globalApiKeys`, `token`
 * (`POST /api/oauth/token`) and `revoke`.
 */
export class FaultTable {
  readonly #rules = new Map<string, { fault: Fault; remaining: number | undefined }>();

  /** Sets (or with undefined, clears) the rule of a target; `times` below 1 clears it too. */
  set(target: string, rule: FaultRule | Fault | undefined): void {
    if (rule === undefined) {
      this.#rules.delete(target);
      return;
    }
    const normalized: FaultRule = 'fault' in rule ? rule : { fault: rule };
    if (normalized.times !== undefined && !(normalized.times >= 1)) {
      this.#rules.delete(target);
      return;
    }
    this.#rules.set(target, { fault: normalized.fault, remaining: normalized.times });
  }

  /** The fault for one request to `target`, using up one of its `times`. */
  take(target: string | undefined): Fault | undefined {
    if (target === undefined || this.#rules.size === 0) return undefined;
    const rule = this.#rules.get(target);
    if (rule === undefined) return undefined;
    if (rule.remaining !== undefined && --rule.remaining <= 0) this.#rules.delete(target);
    return rule.fault;
  }

  /** Clears every rule. */
  clear(): void {
    this.#rules.clear();
  }
}

/** The page a proxy or a login wall shows instead of JSON. */
export const HTML_PAGE =
  '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>MongoDB Cloud | Maintenance</title></head>' +
  '<body><h1>We\'ll be right back</h1><p>MongoDB Cloud is undergoing scheduled maintenance.</p></body></html>\n';

/** A JSON text cut in half: a strict prefix of an object or array is never valid JSON. */
export function truncateJson(body: string): string {
  const cut = body.slice(0, Math.max(1, Math.floor(body.length / 2)));
  return cut.length < body.length ? cut : '{"results":[';
}
