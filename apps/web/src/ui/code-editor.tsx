import { Input } from 'antd';

export interface CodeEditorProps {
  value: string;
  onChange: (value: string) => void;
  /** The accessible name of the editing area. */
  label: string;
  /** JSON Schema of the document, for hints and inline problems. */
  schema?: Record<string, unknown>;
  minRows?: number;
}

/** YAML editing area. */
export function CodeEditor({ value, onChange, label, minRows = 16 }: CodeEditorProps) {
  return (
    <Input.TextArea
      aria-label={label}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      autoSize={{ minRows, maxRows: 40 }}
      spellCheck={false}
      style={{ fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace', fontSize: 13 }}
    />
  );
}
