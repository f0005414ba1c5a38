// Counted nouns in what the commands print: "1 node", "2 nodes", never "1 nodes". One helper so every message
// gets it right, not a ternary at each call site.

/** `n word`, with the plural form (default: word + "s") when n is not exactly 1. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
