import { yaml } from '@codemirror/lang-yaml';
import { Compartment, EditorState, type Extension } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { yamlSchema } from 'codemirror-json-schema/yaml';
import type { JSONSchema7 } from 'json-schema';
import { useEffect, useRef } from 'react';
import type { CodeEditorProps } from './code-editor';

const LINE_HEIGHT_PX = 20;

const languageOf = (schema?: Record<string, unknown>): Extension => (schema ? yamlSchema(schema as JSONSchema7) : yaml());

/**
 * CodeMirror 6 with YAML and, given a JSON Schema, codemirror-json-schema's completion, hover
 * documentation and inline problems. Loaded as its own chunk (code-editor.tsx) so pages without an
 * editor never download it.
 */
export default function CodeMirrorYaml({ value, onChange, label, schema, minRows = 16 }: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const changed = useRef(onChange);
  changed.current = onChange;
  // Schema and label can change without losing the text, the cursor or the undo history.
  const language = useRef(new Compartment());
  const attributes = useRef(new Compartment());

  useEffect(() => {
    const extensions: Extension[] = [
      basicSetup,
      language.current.of(languageOf(schema)),
      attributes.current.of(EditorView.contentAttributes.of({ 'aria-label': label })),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) changed.current(update.state.doc.toString());
      }),
      EditorView.theme({
        '&': { border: '1px solid #d9d9d9', borderRadius: '6px', fontSize: '13px', background: '#fff' },
        '&.cm-focused': { outline: '2px solid #1f5fbf' },
        '.cm-scroller': {
          fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace',
          minHeight: `${minRows * LINE_HEIGHT_PX}px`,
          maxHeight: '640px',
        },
        '.cm-content, .cm-gutter': { minHeight: `${minRows * LINE_HEIGHT_PX}px` },
      }),
    ];
    if (!host.current) return;
    const editor = new EditorView({ parent: host.current, state: EditorState.create({ doc: value, extensions }) });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // Built once; text, schema and label from the parent arrive through the effects below.
  }, [minRows]);

  useEffect(() => {
    view.current?.dispatch({
      effects: [
        language.current.reconfigure(languageOf(schema)),
        attributes.current.reconfigure(EditorView.contentAttributes.of({ 'aria-label': label })),
      ],
    });
  }, [schema, label]);

  // A value set from outside (a reset, a template) replaces the document; the user's own typing is already in it.
  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== value) {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
    }
  }, [value]);

  return <div ref={host} data-testid="code-editor" />;
}
