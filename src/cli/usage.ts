// How a command says how it is used: one synopsis (and an optional note) per command, exported
// by the command's own file as `usage`. The command prints it when its arguments are wrong;
// src/main.ts composes `tessera --help` from all of them.

export interface CommandUsage {
  /** The command line, e.g. `tessera backup DIR [--data DATA]`. */
  readonly synopsis: string;
  /** A short remark shown in parentheses after it, e.g. `DIR must be new or empty`. */
  readonly note?: string;
}

/** One line: the synopsis, then the note in parentheses, the notes aligned at `column`. */
export function usageLine(usage: CommandUsage, column = 0): string {
  if (usage.note === undefined) return usage.synopsis;
  return `${usage.synopsis.padEnd(column - 2)}  (${usage.note})`;
}

/** Writes `usage: ...` to stderr (a command's answer to wrong arguments); returns the exit code 2. */
export function printUsage(usage: CommandUsage): number {
  process.stderr.write(`usage: ${usageLine(usage)}\n`);
  return 2;
}
