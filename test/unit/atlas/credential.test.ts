import { describe, expect, it } from 'vitest';
import { apiOf, Credential } from '../../../src/atlas/credential.js';

describe('Credential', () => {
  it('is named by its username and host, and authenticates by digest unless given a token URL', () => {
    const digest = new Credential('zmmrboas', 'private-key', 'https://cloud.mongodb.com:8443/api/atlas/v2');
    expect(digest.id).toBe('zmmrboas@cloud.mongodb.com:8443');
    expect(digest.username).toBe('zmmrboas');
    expect(digest.baseUrl).toBe('https://cloud.mongodb.com:8443/api/atlas/v2');
    expect(digest.api).toBe('atlas');
    expect(digest.scheme).toBe('digest');
    expect(digest.tokenUrl).toBeUndefined();
    expect(digest.secret()).toBe('private-key');
    const oauth = new Credential('mdb_sa_id_1', 'sa-secret', 'https://cloud.mongodb.com/api/atlas/v2', { tokenUrl: 'https://cloud.mongodb.com/api/oauth/token' });
    expect(oauth.scheme).toBe('oauth');
    expect(oauth.tokenUrl).toBe('https://cloud.mongodb.com/api/oauth/token');
    expect(oauth.id).toBe('mdb_sa_id_1@cloud.mongodb.com');
  });

  it('never serialises or prints its secret', () => {
    const credential = new Credential('zmmrboas', 'private-key', 'https://cloud.mongodb.com/api/atlas/v2');
    expect(JSON.parse(JSON.stringify(credential))).toEqual({ id: 'zmmrboas@cloud.mongodb.com', baseUrl: 'https://cloud.mongodb.com/api/atlas/v2', scheme: 'digest' });
    expect(JSON.stringify({ credential })).not.toContain('private-key');
    expect(Object.values(credential)).not.toContain('private-key');
  });
});

describe('apiOf', () => {
  it('tells Atlas (/api/atlas/…) from Cloud and Ops Manager (/api/public/…)', () => {
    expect(apiOf('https://cloud.mongodb.com/api/atlas/v2')).toBe('atlas');
    expect(apiOf('https://cloud.mongodb.com/api/atlas/v1.0')).toBe('atlas');
    expect(apiOf('https://cloud.mongodb.com/api/public/v1.0')).toBe('public');
    expect(apiOf('https://ops.example.com:8080/api/public/v1.0')).toBe('public');
    // Only the path decides: a host or a query that spells /api/atlas/ does not.
    expect(apiOf('https://api-atlas.example.com/api/public/v1.0?next=/api/atlas/')).toBe('public');
    expect(apiOf('https://example.com/proxy/api/atlas/v2')).toBe('public');
  });
});
