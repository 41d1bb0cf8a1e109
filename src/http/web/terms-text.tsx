// Terms documents are short Markdown: headings, paragraphs, "- " lists and
// **bold** are enough. Rendered as elements (escaped), never as raw HTML.
import type { ComponentChildren, VNode } from 'preact';

function inline(text: string): ComponentChildren {
  return text.split(/\*\*(.+?)\*\*/g).map((part, i) => (i % 2 === 1 ? <strong key={i}>{part}</strong> : part));
}

export function TermsText({ markdown }: { markdown: string }) {
  const blocks = markdown.replace(/\r\n/g, '\n').split(/\n{2,}/).map((b) => b.trim()).filter(Boolean);
  return <div class="terms-text">{blocks.map((block, i) => renderBlock(block, i))}</div>;
}

function renderBlock(block: string, key: number): VNode {
  const lines = block.split('\n');
  const heading = /^(#{1,4})\s+(.*)$/.exec(lines[0]!);
  if (heading) {
    const level = Math.min(heading[1]!.length + 1, 5);
    const Tag = `h${level}` as 'h2';
    const title = <Tag key={key}>{heading[2]}</Tag>;
    return lines.length === 1 ? title : <>{[title, renderBlock(lines.slice(1).join('\n'), key + 0.5)]}</>;
  }
  if (lines.every((l) => /^[-*]\s+/.test(l))) {
    return (
      <ul key={key}>
        {lines.map((l, j) => (
          <li key={j}>{inline(l.replace(/^[-*]\s+/, ''))}</li>
        ))}
      </ul>
    );
  }
  return <p key={key}>{inline(lines.join(' '))}</p>;
}
