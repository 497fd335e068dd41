/**
 * Source of helm/mongodb-apikey-exporter/files/thresholds.yaml: for each `prometheusRule.thresholds`
 * value, the rule fields of files/alerts.yaml that write it, as they read at the default and as a
 * format for another value. templates/prometheusrule.yaml rewrites exactly those fields. Regenerate
 * with `npm run chart`; test/helm/chart.test.ts fails when the file and this module disagree.
 */
import { stringify } from 'yaml';
import { ruleText, THRESHOLDS, type Threshold } from '../src/model/thresholds.js';

/** The printf verb of a value of each unit, as the template passes it (days and seconds as integers). */
const VERB: Readonly<Record<Threshold['unit'], string>> = { days: '%d', seconds: '%d', duration: '%s' };

const chartValueOf = (name: string): string => {
  const chartValue = (THRESHOLDS as Record<string, Threshold>)[name]?.chartValue;
  if (chartValue === undefined) throw new Error(`threshold ${name} has no chart value`);
  return chartValue;
};

/** The chart's thresholds, in the order of {@link THRESHOLDS}. */
const chartThresholds = () =>
  (Object.values(THRESHOLDS) as Threshold[]).flatMap((threshold) =>
    threshold.chartValue === undefined
      ? []
      : [
          {
            value: threshold.chartValue,
            unit: threshold.unit,
            default: threshold.default,
            ...(threshold.below === undefined ? {} : { below: chartValueOf(threshold.below) }),
            rules: threshold.rules.map((site) => ({
              alert: site.alert,
              field: site.field,
              literal: ruleText(threshold, site),
              format: site.text.replaceAll('%', '%%').replace('{}', VERB[threshold.unit]),
            })),
          },
        ],
  );

const HEADER = `# Generated from src/model/thresholds.ts by \`npm run chart\`: do not edit.
# Each prometheusRule.thresholds value and the fields of files/alerts.yaml that write it: \`literal\`
# is the text at the default, \`format\` the text for another value (templates/prometheusrule.yaml).
`;

/** The file as written to helm/mongodb-apikey-exporter/files/thresholds.yaml. */
export const render = (): string => `${HEADER}${stringify({ thresholds: chartThresholds() }, { lineWidth: 0 })}`;
