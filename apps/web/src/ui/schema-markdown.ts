/**
 * Stands in for codemirror-json-schema's `utils/markdown` (vite.config.mts swaps it in): the library
 * renders schema descriptions and problems through markdown-it with Shiki highlighting, which starts
 * by loading a WebAssembly engine the console's Content-Security-Policy refuses and adds about
 * 0.5 MB to the editor chunk. Our texts are short and plain: escape everything, keep `code` and **bold**.
 */
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function renderMarkdown(markdown: string, inline = true): string {
  const html = String(markdown)
    .replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
  return inline ? html : `<p>${html.replace(/\n{2,}/g, '</p><p>').replace(/\n/g, '<br>')}</p>`;
}
