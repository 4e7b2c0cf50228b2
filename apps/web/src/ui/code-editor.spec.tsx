import { render, screen, waitFor } from '@testing-library/react';
import { EditorView } from '@codemirror/view';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { CodeEditor } from './code-editor';
import { renderMarkdown } from './schema-markdown';

function Harness({ onText }: { onText: (text: string) => void }) {
  const [text, setText] = useState('a: 1\n');
  return (
    <>
      <button onClick={() => setText('b: 2\n')}>reset</button>
      <CodeEditor label="YAML" value={text} onChange={(next) => (setText(next), onText(next))} schema={{ type: 'object' }} />
    </>
  );
}

describe('<CodeEditor>', () => {
  it('loads CodeMirror as a labelled text box, reports edits, and takes a value set from outside', async () => {
    const seen: string[] = [];
    render(<Harness onText={(text) => seen.push(text)} />);
    // The editor chunk loads lazily; transforming CodeMirror takes a while on a busy machine.
    const box = await screen.findByRole('textbox', { name: 'YAML' }, { timeout: 20_000 });
    expect(box).toHaveTextContent('a: 1');
    const view = EditorView.findFromDOM(box);
    if (!view) throw new Error('no CodeMirror view behind the text box');
    view.dispatch({ changes: { from: view.state.doc.length, insert: 'c: 3\n' } });
    expect(seen).toEqual(['a: 1\nc: 3\n']);
    screen.getByText('reset').click();
    await waitFor(() => expect(view.state.doc.toString()).toBe('b: 2\n'));
  });
});

describe('schema text in hints', () => {
  it('escapes HTML and keeps only code and bold', () => {
    expect(renderMarkdown('Expected `string` but got <img src=x onerror=alert(1)> **now**')).toBe(
      'Expected <code>string</code> but got &lt;img src=x onerror=alert(1)&gt; <strong>now</strong>',
    );
    expect(renderMarkdown('one\n\ntwo\nthree', false)).toBe('<p>one</p><p>two<br>three</p>');
  });
});
