// The text of an uncompressed PDF written by pdfkit with embedded fonts: the
// content streams show glyph ids (`[<0012…> 20 <…>] TJ`), each font's ToUnicode
// CMap (`<start> <end> [<unicode> …]` ranges) maps them back to text.
// One string per text-showing operator, joined with newlines.
export function pdfText(pdf: Buffer): string {
  const source = pdf.toString('latin1');
  const objects = new Map<string, string>();
  for (const match of source.matchAll(/(\d+) 0 obj\s*([\s\S]*?)endobj/g)) objects.set(match[1]!, match[2]!);
  const hex = (h: string) => parseInt(h, 16);

  const cmaps = new Map<string, Map<number, string>>();
  const cmapOf = (fontName: string): Map<number, string> => {
    const cached = cmaps.get(fontName);
    if (cached) return cached;
    const map = new Map<number, string>();
    const fontRef = new RegExp(`/${fontName} (\\d+) 0 R`).exec(source)?.[1];
    const unicodeRef = fontRef ? /\/ToUnicode (\d+) 0 R/.exec(objects.get(fontRef) ?? '')?.[1] : undefined;
    const cmap = unicodeRef ? (objects.get(unicodeRef) ?? '') : '';
    for (const range of cmap.matchAll(/<([0-9a-fA-F]+)> <([0-9a-fA-F]+)> \[([^\]]*)\]/g)) {
      const start = hex(range[1]!);
      [...range[3]!.matchAll(/<([0-9a-fA-F ]+)>/g)].forEach((entry, i) => {
        map.set(start + i, String.fromCharCode(...entry[1]!.split(' ').map(hex)));
      });
    }
    cmaps.set(fontName, map);
    return map;
  };

  const out: string[] = [];
  for (const stream of source.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    let font = '';
    for (const op of stream[1]!.matchAll(/\/(F\d+) [\d.]+ Tf|\[([^\]]*)\] TJ|<([0-9a-fA-F]*)> Tj/g)) {
      if (op[1]) {
        font = op[1];
        continue;
      }
      const map = cmapOf(font);
      const glyphs = op[2] !== undefined ? [...op[2].matchAll(/<([0-9a-fA-F]*)>/g)].map((g) => g[1]!).join('') : op[3]!;
      let text = '';
      for (let i = 0; i + 4 <= glyphs.length; i += 4) text += map.get(hex(glyphs.slice(i, i + 4))) ?? '';
      out.push(text);
    }
  }
  return out.join('\n');
}
