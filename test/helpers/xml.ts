// A strict little XML parser for tests (xmllint may not be installed): elements, attributes, text, the five
// predefined entities and numeric references, an optional <?xml?> declaration. Anything else, a mismatched tag
// or a character XML 1.0 forbids throws, so "it parsed" means the file is well-formed for what we write.
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENT: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string, at: number): string {
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(s)) throw new Error(`character not allowed in XML near ${at}`);
  if (/&(?![A-Za-z]+;|#x[0-9a-fA-F]+;|#[0-9]+;)/.test(s)) throw new Error(`bare & near ${at}`);
  return s.replace(/&([^;]*);/g, (_, e: string) => {
    if (e in ENT) return ENT[e];
    const m = /^#(x[0-9a-fA-F]+|[0-9]+)$/.exec(e);
    if (!m) throw new Error(`unknown entity &${e}; near ${at}`);
    return String.fromCodePoint(m[1][0] === 'x' ? parseInt(m[1].slice(1), 16) : Number(m[1]));
  });
}

export function parseXml(text: string): XmlElement {
  let i = 0;
  const ws = (): void => {
    while (/\s/.test(text[i] ?? '')) i++;
  };
  if (text.startsWith('<?xml')) {
    i = text.indexOf('?>') + 2;
    if (i < 2) throw new Error('unterminated declaration');
  }
  ws();
  const element = (): XmlElement => {
    if (text[i] !== '<') throw new Error(`expected < at ${i}`);
    const m = /^<([A-Za-z_][\w.-]*)/.exec(text.slice(i));
    if (!m) throw new Error(`bad tag at ${i}`);
    const el: XmlElement = { name: m[1], attrs: {}, children: [], text: '' };
    i += m[0].length;
    for (;;) {
      ws();
      if (text.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (text[i] === '>') {
        i++;
        break;
      }
      const a = /^([A-Za-z_][\w.-]*)\s*=\s*"([^"<]*)"/.exec(text.slice(i));
      if (!a) throw new Error(`bad attribute at ${i}: ${text.slice(i, i + 30)}`);
      if (a[1] in el.attrs) throw new Error(`duplicate attribute ${a[1]}`);
      el.attrs[a[1]] = decode(a[2], i);
      i += a[0].length;
    }
    for (;;) {
      const lt = text.indexOf('<', i);
      if (lt < 0) throw new Error(`unclosed <${el.name}>`);
      el.text += decode(text.slice(i, lt), i);
      i = lt;
      if (text.startsWith(`</${el.name}>`, i)) {
        i += el.name.length + 3;
        return el;
      }
      if (text.startsWith('</', i)) throw new Error(`mismatched close tag at ${i}: expected </${el.name}>`);
      el.children.push(element());
    }
  };
  const root = element();
  ws();
  if (i !== text.length) throw new Error(`content after the root element at ${i}`);
  return root;
}
