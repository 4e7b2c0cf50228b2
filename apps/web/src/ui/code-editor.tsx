import { Skeleton } from 'antd';
import { lazy, Suspense } from 'react';

export interface CodeEditorProps {
  value: string;
  onChange: (value: string) => void;
  /** The accessible name of the editing area. */
  label: string;
  /** JSON Schema of the document: completion, hover documentation and inline problems. */
  schema?: Record<string, unknown>;
  minRows?: number;
}

// CodeMirror and the schema tooling are a chunk of their own, fetched the first time an editor shows.
const CodeMirrorYaml = lazy(() => import('./code-mirror-yaml'));

/** A YAML editor with schema hints (UI.md: "YAML edit uses a code editor with schema hints"). */
export function CodeEditor(props: CodeEditorProps) {
  return (
    <Suspense fallback={<Skeleton active paragraph={{ rows: Math.min(props.minRows ?? 16, 8) }} />}>
      <CodeMirrorYaml {...props} />
    </Suspense>
  );
}
