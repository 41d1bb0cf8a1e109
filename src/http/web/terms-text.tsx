// Terms documents are short Markdown: headings, paragraphs and "- " lists are
// enough. Rendered as elements (escaped), never as raw HTML.
import type { VNode } from 'preact';

export function TermsText({ markdown }: { markdown: string }) {
  const blocks = markdown.replace(/\r\n/g, '\n').split(/\n{2,}/).map((b) => b.trim()).filter(Boolean);
  return <div class="terms-text">{blocks.map((block, i) => renderBlock(block, i))}</div>;
}

function renderBlock(block: string, key: number): VNode {
  const heading = /^(#{1,4})\s+(.*)$/.exec(block);
  if (heading && !block.includes('\n')) {
    const level = Math.min(heading[1]!.length + 1, 5);
    const Tag = `h${level}` as 'h2';
    return <Tag key={key}>{heading[2]}</Tag>;
  }
  const lines = block.split('\n');
  if (lines.every((l) => /^[-*]\s+/.test(l))) {
    return (
      <ul key={key}>
        {lines.map((l, j) => (
          <li key={j}>{l.replace(/^[-*]\s+/, '')}</li>
        ))}
      </ul>
    );
  }
  return <p key={key}>{lines.join(' ')}</p>;
}
