import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { expect } from 'vitest';
import { TestDigestClient, type RawResponse } from './helpers.js';

/** A test's simulator and the digest clients it opened; `close()` (in afterEach) ends them all. */
export class SimulatorFixture {
  #sim: Simulator | undefined;
  readonly #clients: TestDigestClient[] = [];

  async start(options: SimulatorOptions): Promise<Simulator> {
    this.#sim = await startSimulator(options);
    return this.#sim;
  }

  client(username: string, password: string): TestDigestClient {
    const client = new TestDigestClient(username, password);
    this.#clients.push(client);
    return client;
  }

  async close(): Promise<void> {
    for (const client of this.#clients.splice(0)) client.close();
    await this.#sim?.close();
    this.#sim = undefined;
  }
}

/** The body of an error answer, checked to have the vendor's JSON shape and the response's status. */
export function vendorError(response: RawResponse): Record<string, unknown> {
  expect(response.headers['content-type']).toBe('application/json');
  const body = JSON.parse(response.body) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['detail', 'error', 'errorCode', 'parameters', 'reason']);
  expect(body['error']).toBe(response.status);
  return body;
}
