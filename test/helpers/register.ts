// Tiny register histories for tests of how values are read and compared: one write of `w`, one read of `r`.

/** As JSONL: process 0 writes w, then process 1 reads r. */
export const jsonlRegister = (w: string, r: string): string =>
  `${[
    `{"type":"invoke","process":0,"f":"write","value":${w}}`,
    `{"type":"ok","process":0,"f":"write","value":${w}}`,
    '{"type":"invoke","process":1,"f":"read"}',
    `{"type":"ok","process":1,"f":"read","value":${r}}`,
  ].join('\n')}\n`;

/** As Jepsen EDN, one op map per line. */
export const ednRegister = (w: string, r: string): string =>
  `{:process 0 :type :invoke :f :write :value ${w}}\n{:process 0 :type :ok :f :write :value ${w}}\n` +
  `{:process 1 :type :invoke :f :read :value nil}\n{:process 1 :type :ok :f :read :value ${r}}\n`;
