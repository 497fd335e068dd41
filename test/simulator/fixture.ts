import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { TestDigestClient } from './helpers.js';

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
