/**
 * Text into HTML, safely: every string that comes from a history (a producer
 * name, an error message, a topic, an endpoint) is input from outside and goes
 * through `escapeHtml`; data for the page's script goes through `jsonForScript`.
 * And the little Markdown the runbooks' "What to do" sections use (paragraphs,
 * `-` lists, fenced code, `code`, **bold**, [links]) rendered to HTML.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe inside an element or a quoted attribute. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/**
 * JSON safe inside `<script type="application/json">`: no `<` (so no
 * `</script>` or `<!--`), and no U+2028/U+2029.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Inline Markdown: `code`, **bold**, [text](target) (shown as its text: the target is a docs path). */
function inline(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) => {
      if (i % 2 === 1) return `<code>${escapeHtml(part.slice(1, -1))}</code>`;
      return escapeHtml(part)
        .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
        .replace(/\[([^\]]+)\]\([^)]*\)/g, '<em>$1</em>');
    })
    .join('');
}

/** Block Markdown as the runbooks write it: paragraphs, `-` lists with indented continuations, ``` fences. */
export function markdownToHtml(markdown: string): string {
  const out: string[] = [];
  const lines = markdown.split('\n');
  let paragraph: string[] = [];
  let items: string[] = [];
  const flushParagraph = (): void => {
    if (paragraph.length > 0) out.push(`<p>${inline(paragraph.join(' '))}</p>`);
    paragraph = [];
  };
  const flushList = (): void => {
    if (items.length > 0)
      out.push(`<ul>${items.map((i) => `<li>${inline(i)}</li>`).join('')}</ul>`);
    items = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('```')) {
      flushParagraph();
      flushList();
      const code: string[] = [];
      for (i += 1; i < lines.length && !lines[i]!.startsWith('```'); i++) code.push(lines[i]!);
      out.push(`<pre><code>${escapeHtml(code.join('\n'))}</code></pre>`);
    } else if (line.startsWith('- ')) {
      flushParagraph();
      items.push(line.slice(2).trim());
    } else if (line.trim() === '') {
      flushParagraph();
      flushList();
    } else if (items.length > 0 && /^\s/.test(line)) {
      items[items.length - 1] += ` ${line.trim()}`;
    } else {
      flushList();
      paragraph.push(line.trim());
    }
  }
  flushParagraph();
  flushList();
  return out.join('\n');
}
