// Usage errors as one line that says what to type instead: an unknown command or flag gets the closest known one
// ("unknown flag --nodez; did you mean --nodes?"), a value outside a flag's choices gets the choices and the value
// echoed, in the same words as a bad number (numbers.ts). yargs finds these errors; this rewrites its messages.

/** Words longer than this are not compared (a pasted blob is no typo, and the table is quadratic). */
const MAX_WORD = 64;

/**
 * Edit distance of two short words: insertions, deletions, substitutions (Levenshtein 1966) and swaps of two
 * adjacent letters (Damerau 1964, the restricted form), the commonest typo ("modle").
 */
export function editDistance(a: string, b: string): number {
  if (a.length > MAX_WORD || b.length > MAX_WORD) return Math.max(a.length, b.length);
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length];
}

/**
 * The known word closest to `word`, if it is close enough to be a typo: at most a third of its letters off (one
 * for short words), and no tie between two candidates (a guess between two is no help).
 */
export function closest(word: string, known: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestD = Infinity;
  let tie = false;
  for (const k of new Set(known)) {
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD, tie] = [k, d, false];
    else if (d === bestD) tie = true;
  }
  return best !== undefined && bestD <= limit && !tie ? best : undefined;
}

export interface UsageContext {
  /** The command line as typed (after the program name). */
  argv: readonly string[];
  commands: readonly string[];
  /** The flags the command being parsed knows, without dashes. */
  options: readonly string[];
}

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Whether `name` was typed as a flag (--name, --name=..., --no-name, -n) rather than as a word. */
function typedAsFlag(name: string, argv: readonly string[]): boolean {
  return argv.some((a) => {
    const flag = /^--?(?:no-)?([^=]+)/.exec(a)?.[1];
    return flag !== undefined && (flag === name || kebab(flag) === kebab(name));
  });
}

function unknownOne(name: string, c: UsageContext): string {
  if (typedAsFlag(name, c.argv)) {
    const guess = closest(kebab(name), c.options);
    return `unknown flag --${name}${guess ? `; did you mean --${guess}?` : ' (--help lists the flags)'}`;
  }
  const first = c.argv.find((a) => !a.startsWith('-'));
  if (name === first && !c.commands.includes(name)) {
    const guess = closest(name, c.commands);
    return `unknown command '${name}'; ${guess ? `did you mean '${guess}'?` : `commands: ${c.commands.join(', ')}`}`;
  }
  return `unexpected argument '${name}'`;
}

/** A yargs usage message as the one line the user sees. */
export function usageMessage(msg: string, c: UsageContext): string {
  const unknown = /^Unknown arguments?: (.+)$/.exec(msg.trim());
  if (unknown) {
    const names = unknown[1].split(', ');
    // yargs lists a kebab-case flag twice (time-limt, timeLimt): keep the form that was typed.
    const typed = names.filter((n) => !/[A-Z]/.test(n) || !names.includes(kebab(n)));
    const lines = typed.map((n) => unknownOne(n, c));
    // After an unknown command, the words that follow it mean nothing yet: only the command is worth a line.
    return lines.find((l) => l.startsWith('unknown command')) ?? lines.join('; ');
  }
  const choices = [...msg.matchAll(/Argument: (\S+), Given: (.+?), Choices: (.+)/g)];
  if (choices.length > 0)
    return choices
      .map(([, flag, given, list]) => {
        const known = list.split(', ').map((x) => x.replace(/^"|"$/g, ''));
        const value = given.replace(/^"|"$/g, '');
        const guess = closest(value, known);
        return (
          `--${flag}: expected one of ${known.join(', ')}, got '${value}'` + (guess ? `; did you mean ${guess}?` : '')
        );
      })
      .join('; ');
  const missing = /^Not enough arguments following: (\S+)$/.exec(msg.trim());
  if (missing) return `--${missing[1]} needs a value`;
  return msg;
}
