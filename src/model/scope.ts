import type { KeyKind } from './api-key.js';

/**
 * What one request series covers and what fails on its own: one user (personal keys) or one
 * project (agent keys). `id` is the user id or project id, `name` the username or project name.
 */
export interface Scope {
  readonly kind: KeyKind;
  readonly id: string;
  readonly name?: string;
  /** The credential that reads this scope (see `Credential.id`); never a secret. */
  readonly credentialId: string;
}

/** The stable identity of a scope inside one exporter. */
export function scopeKey(scope: Pick<Scope, 'kind' | 'id'>): string {
  return `${scope.kind}/${scope.id}`;
}
