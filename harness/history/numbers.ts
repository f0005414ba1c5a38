// Decimal numbers read as doubles only where the double is the number written. Parsing 1e400 and 2e999 gives
// Infinity for both, and 1e-400 and 2e-400 give 0: two different recorded values would compare equal and a wrong
// history could be called valid. Such literals are refused with their line. A BigDecimal (EDN's M suffix) is an
// exact decimal: it is read only when the double's shortest form is that decimal (1.50M is 1.5), so two distinct
// BigDecimals never become one double. Plain decimals within range are doubles, as JSON.parse and Clojure's reader
// make them.

/** Why decimal `text` cannot be read as the double `d`, or undefined when it can. */
export function decimalProblem(text: string, d: number, bigDecimal: boolean): string | undefined {
  if (!Number.isFinite(d)) return 'is beyond the range of a double (it would read as infinity)';
  if (d === 0) return /^[^eE]*[1-9]/.test(text) ? 'is too small for a double (it would read as 0)' : undefined;
  if (bigDecimal && !sameDecimal(text, String(d)))
    return `has more digits than a double holds (it would read as ${String(d)})`;
  return undefined;
}

/** Sign, significant digits and exponent of a decimal literal, so 1.50, 15e-1 and 1.5 compare equal. */
function normal(text: string): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return text;
  let digits = (m[2] ?? '') + (m[3] ?? '');
  let exp = Number(m[4] ?? 0) - (m[3] ?? '').length;
  digits = digits.replace(/^0+/, '');
  const trimmed = digits.replace(/0+$/, '');
  exp += digits.length - trimmed.length;
  if (trimmed === '') return '0';
  return `${m[1] === '-' ? '-' : ''}${trimmed}e${exp}`;
}

function sameDecimal(a: string, b: string): boolean {
  return normal(a) === normal(b);
}
