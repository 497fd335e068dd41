import type { KeyKind } from './api-key.js';

/**
 * What owns the keys of a scope; it names the owner label (`user_id`, `project_id`, `org_id`).
 * `global`: an Ops Manager instance, for its global API keys; it has no owner label.
 */
export type OwnerType = 'user' | 'project' | 'org' | 'global';

/**
 * What one request series covers and what fails on its own: one user (personal keys), one
 * project (agent keys, project-level programmatic keys and service accounts), one organisation,
 * or one Ops Manager instance (global keys; `id` is its host). `id` is the owner's id, `name` its
 * username, project name or organisation name.
 */
export interface Scope {
  readonly kind: KeyKind;
  readonly owner: OwnerType;
  readonly id: string;
  readonly name?: string;
  /** For a project read through its organisation: the organisation (the two are polled together). */
  readonly orgId?: string;
  /** The credential that reads this scope (see `Credential.id`); never a secret. */
  readonly credentialId: string;
}

/** The stable identity of a scope inside one exporter. */
export function scopeKey(scope: Pick<Scope, 'kind' | 'owner' | 'id'>): string {
  return `${scope.kind}/${scope.owner}/${scope.id}`;
}

/** A credential's identity (`Scope.credentialId`, the `credential` label): its user name or public key or client id, at the API's host. */
export function credentialIdOf(name: string, baseUrl: string): string {
  return `${name}@${new URL(baseUrl).host}`;
}
