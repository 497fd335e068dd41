import { CodeBuffer } from '../random.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const YEAR = 365 * DAY;

/** ISO 8601 at whole seconds, as the APIs print it: `2018-05-14T14:45:22Z`. */
export function isoSeconds(ms: number): string {
  // Hand-rolled civil-from-days (H. Hinnant): generating 100,000 keys spent most of its time in Date otherwise.
  const total = Math.floor(ms / 1000);
  const days = Math.floor(total / 86_400);
  const secondsOfDay = total - days * 86_400;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 1000 || year > 9999) return new Date(total * 1000).toISOString().slice(0, 19) + 'Z';
  return new CodeBuffer()
    .decimal(year, 4).text('-').decimal(month, 2).text('-').decimal(day, 2).text('T')
    .decimal(Math.floor(secondsOfDay / 3600), 2).text(':').decimal(Math.floor((secondsOfDay % 3600) / 60), 2).text(':')
    .decimal(secondsOfDay % 60, 2).text('Z')
    .toString();
}
