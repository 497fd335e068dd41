import { ExporterError } from './exporter-error.js';

/** The API answered 200 with something that is not what it documents (HTML, broken JSON, wrong shape). */
export class InvalidResponseError extends ExporterError {
  override name = 'InvalidResponseError';

  constructor(url: string, detail: string) {
    super('invalid_response', `${url}: ${detail}`);
  }
}
