import { BlockList, isIP } from 'node:net';
import { proxyUrlProblem } from '../config/schema.js';
import type { Secret } from '../config/secret.js';
import type { ClientTls } from '../config/tls.js';
import { ConfigError } from '../errors/config-error.js';

/** How one credential reaches its API: the entry's `proxyUrl` (else the environment's proxies) and its TLS options. */
export interface Connection {
  /** A secret: its URL may carry a password, and its file may change. */
  readonly proxyUrl?: Secret | undefined;
  readonly tls?: ClientTls | undefined;
}

/** `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` as read from the environment. */
export interface ProxyEnvironment {
  readonly httpProxy: string | undefined;
  readonly httpsProxy: string | undefined;
  readonly noProxy: string;
}

/**
 * The proxy variables, upper case first and then lower case, as Go's `http.ProxyFromEnvironment`
 * reads them; a proxy without a scheme is http://. Throws a ConfigError for a proxy that is not
 * an http(s) URL, naming the variable, not its value.
 */
export function proxyEnvironment(env: NodeJS.ProcessEnv): ProxyEnvironment {
  const proxy = (...names: [string, string]) => {
    const name = names.find((candidate) => env[candidate] !== undefined && env[candidate] !== '');
    if (name === undefined) return undefined;
    const value = env[name] ?? '';
    const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
    const problem = proxyUrlProblem(url);
    if (problem !== undefined) throw new ConfigError(`environment variable ${name}: ${problem}`);
    return url;
  };
  const noProxy = [env.NO_PROXY, env.no_proxy].find((value) => value !== undefined && value !== '') ?? '';
  return { httpProxy: proxy('HTTP_PROXY', 'http_proxy'), httpsProxy: proxy('HTTPS_PROXY', 'https_proxy'), noProxy };
}

/**
 * The proxy a request to `url` goes through, or undefined for a direct connection. The entry's
 * `proxyUrl` wins; otherwise `HTTPS_PROXY` for https and `HTTP_PROXY` for http (no fall-back from
 * one to the other), unless `NO_PROXY` lists the host: `*`, a name (its subdomains too; a leading
 * `.` or `*.` is the same), an IP address or CIDR block, each optionally with `:port`. Pure.
 */
export function proxyFor(url: URL, proxyUrl: string | undefined, env: ProxyEnvironment): string | undefined {
  if (proxyUrl !== undefined) return proxyUrl;
  const proxy = url.protocol === 'https:' ? env.httpsProxy : env.httpProxy;
  if (proxy === undefined || bypassesProxy(url, env.noProxy)) return undefined;
  return proxy;
}

function bypassesProxy(url: URL, noProxy: string): boolean {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    if (entry.includes('/')) {
      if (inCidr(host, entry)) return true;
      continue;
    }
    let name = entry;
    let entryPort: string | undefined;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    const withPort = isIP(entry) === 6 ? null : /^(.*):(\d+)$/.exec(entry);
    if (bracketed !== null) [, name = '', entryPort] = bracketed;
    else if (withPort !== null) [, name = '', entryPort] = withPort;
    name = name.replace(/^\*?\./, '');
    if (entryPort !== undefined && Number(entryPort) !== port) continue;
    if (host === name || (isIP(name) === 0 && host.endsWith(`.${name}`))) return true;
  }
  return false;
}

function inCidr(host: string, cidr: string): boolean {
  const [network, bits] = cidr.split('/');
  const family = isIP(network ?? '');
  const hostFamily = isIP(host);
  if (family === 0 || hostFamily !== family) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const list = new BlockList();
  try {
    list.addSubnet(network ?? '', Number(bits), type);
  } catch {
    return false;
  }
  return list.check(host, type);
}

/** A proxy URL as it may be shown: scheme, host and port, never the userinfo. */
export function shownProxy(proxyUrl: string): string {
  try {
    const url = new URL(proxyUrl);
    return `${url.protocol}//${url.host}`;
  } catch {
    return '<invalid proxy URL>';
  }
}

/** The connection fields of a config entry. */
export function connectionOf(entry: Connection): Connection {
  return { proxyUrl: entry.proxyUrl, tls: entry.tls };
}
