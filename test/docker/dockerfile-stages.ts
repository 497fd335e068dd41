/**
 * Parses the project's Dockerfile with dockerfile-ast into build stages, for the Dockerfile tests.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const dockerfilePath = fileURLToPath(new URL('../../Dockerfile', import.meta.url));

/** One `FROM … [AS name]` stage and the instructions that follow it. */
export interface Stage {
  readonly index: number;
  readonly name: string | null;
  readonly image: string;
  readonly tag: string | null;
  readonly digest: string | null;
  readonly instructions: readonly Instruction[];
}

/** A COPY instruction reduced to its parts. */
export interface CopySpec {
  readonly from: string | null;
  readonly sources: readonly string[];
  readonly destination: string;
}

export function parseDockerfile(text = readFileSync(dockerfilePath, 'utf8')): readonly Stage[] {
  const dockerfile = DockerfileParser.parse(text);
  const stages: { index: number; name: string | null; image: string; tag: string | null; digest: string | null; instructions: Instruction[] }[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const from = instruction as unknown as {
        getImageName(): string | null;
        getImageTag(): string | null;
        getImageDigest(): string | null;
        getBuildStage(): string | null;
      };
      stages.push({
        index: stages.length,
        name: from.getBuildStage(),
        image: from.getImageName() ?? '',
        tag: from.getImageTag(),
        digest: from.getImageDigest(),
        instructions: [],
      });
      continue;
    }
    const current = stages.at(-1);
    if (current === undefined) continue; // global ARGs before the first FROM
    current.instructions.push(instruction);
  }
  return stages;
}

export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.getKeyword() === keyword.toUpperCase());
}

/** Arguments of an instruction as plain strings (JSON form or shell form). */
export function argumentsOf(instruction: Instruction): string[] {
  const json = instruction as unknown as { getJSONStrings?: () => { getJSONValue(): string }[] };
  if (typeof json.getJSONStrings === 'function') {
    const strings = json.getJSONStrings();
    if (strings.length > 0) return strings.map((s) => s.getJSONValue());
  }
  return instruction.getArguments().map((a) => a.getValue());
}

export function copiesOf(stage: Stage): CopySpec[] {
  return instructionsOf(stage, 'COPY').map((instruction) => {
    const flags = (instruction as unknown as { getFlags(): { getName(): string; getValue(): string | null }[] }).getFlags();
    const from = flags.find((f) => f.getName() === 'from')?.getValue() ?? null;
    const args = argumentsOf(instruction);
    const destination = args.at(-1);
    if (destination === undefined || args.length < 2) throw new Error(`COPY without source/destination: ${instruction.getTextContent()}`);
    return { from, sources: args.slice(0, -1), destination };
  });
}

/** LABEL key → value (quotes removed), across all LABEL instructions of a stage. */
export function labelsOf(stage: Stage): Map<string, string> {
  const labels = new Map<string, string>();
  for (const instruction of instructionsOf(stage, 'LABEL')) {
    const props = (instruction as unknown as { getProperties(): { getName(): string; getValue(): string | null }[] }).getProperties();
    for (const p of props) labels.set(p.getName(), unquote(p.getValue() ?? ''));
  }
  return labels;
}

/** ENV key → value across all ENV instructions of a stage. */
export function envOf(stage: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const instruction of instructionsOf(stage, 'ENV')) {
    const props = (instruction as unknown as { getProperties(): { getName(): string; getValue(): string | null }[] }).getProperties();
    for (const p of props) env.set(p.getName(), unquote(p.getValue() ?? ''));
  }
  return env;
}

/** The command (exec form) of a HEALTHCHECK instruction, and its flags. */
export function healthcheckOf(instruction: Instruction): { flags: Map<string, string>; command: string[] } {
  const flags = new Map<string, string>();
  const hc = instruction as unknown as { getFlags(): { getName(): string; getValue(): string | null }[] };
  for (const f of hc.getFlags()) flags.set(f.getName(), f.getValue() ?? '');
  const content = (instruction.getArgumentsContent() ?? '').replace(/\\\r?\n/g, ' ');
  const match = /\bCMD\s+(\[.*\])\s*$/s.exec(content);
  if (match?.[1] === undefined) throw new Error(`HEALTHCHECK is not in exec form: ${content}`);
  return { flags, command: JSON.parse(match[1]) as string[] };
}

function unquote(value: string): string {
  return /^".*"$/s.test(value) ? value.slice(1, -1) : value;
}
