import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { Alert, Button, Space, Tag } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../api/api-context';
import type { components } from '../api/schema.gen';
import { ErrorAlert } from '../ui/page-state';
import { streamAddress, TerminalStream, type StreamEnd } from './terminal-stream';

export type OpenedSession = components['schemas']['OpenedConsoleSession'];

type State = { phase: 'connecting' } | { phase: 'connected' } | { phase: 'ended'; end: StreamEnd } | { phase: 'failed'; error: unknown };

interface Props {
  /** Creates the session (WebConsole or CloudShell) and returns its single-use ticket. */
  open: () => Promise<OpenedSession>;
  /** Accessible name of the terminal. */
  label: string;
}

/**
 * An xterm.js terminal on a console stream: one session per mount (and per "Connect again"), sized to
 * its box and resized with it, closed (ending the command in the pod) when it leaves the page. How it
 * ended is said in words, from the close code and the exit frame. Loaded as its own chunk.
 */
export default function WebTerminal({ open, label }: Props) {
  const { t } = useTranslation();
  const { gatewayUrl } = useApi();
  const box = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<State>({ phase: 'connecting' });
  const [attempt, setAttempt] = useState(0);
  const opener = useRef(open);
  opener.current = open;

  useEffect(() => {
    if (!box.current) return;
    const terminal = new Terminal({
      cursorBlink: true,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace',
      fontSize: 13,
      scrollback: 5000,
      screenReaderMode: false,
    });
    const fit = new FitAddon();
    terminal.loadAddon(fit);
    terminal.open(box.current);
    terminal.textarea?.setAttribute('aria-label', label);
    fit.fit();
    let stream: TerminalStream | null = null;
    let disposed = false;
    setState({ phase: 'connecting' });
    void (async () => {
      try {
        const session = await opener.current();
        if (disposed) return;
        const socket = new WebSocket(streamAddress(gatewayUrl, session.streamUrl, window.location.origin));
        stream = new TerminalStream(socket, {
          onOpen: () => {
            setState({ phase: 'connected' });
            terminal.focus();
          },
          onOutput: (bytes) => terminal.write(bytes),
          onEnd: (end) => !disposed && setState({ phase: 'ended', end }),
        });
        stream.resize(terminal.cols, terminal.rows);
      } catch (error: unknown) {
        if (!disposed) setState({ phase: 'failed', error });
      }
    })();
    const typing = terminal.onData((keys) => stream?.type(keys));
    const sizing = terminal.onResize(({ cols, rows }) => stream?.resize(cols, rows));
    const observer = new ResizeObserver(() => fit.fit());
    observer.observe(box.current);
    return () => {
      disposed = true;
      observer.disconnect();
      typing.dispose();
      sizing.dispose();
      stream?.close();
      terminal.dispose();
    };
  }, [attempt, gatewayUrl, label]);

  const reconnect = () => setAttempt((n) => n + 1);
  return (
    <div>
      <Space style={{ marginBottom: 8 }} wrap>
        <span data-testid="terminal-state">
          {state.phase === 'connecting' ? <Tag color="blue">{t('console.connecting')}</Tag> : null}
          {state.phase === 'connected' ? <Tag color="green">{t('console.connected')}</Tag> : null}
          {state.phase === 'ended' || state.phase === 'failed' ? <Tag>{t('console.disconnected')}</Tag> : null}
        </span>
        {state.phase === 'ended' || state.phase === 'failed' ? <Button onClick={reconnect}>{t('console.reconnect')}</Button> : null}
      </Space>
      {state.phase === 'failed' ? <ErrorAlert error={state.error} /> : null}
      {state.phase === 'ended' ? (
        <Alert
          role="status"
          type={state.end.reason === 'ended' ? 'info' : 'warning'}
          showIcon
          style={{ marginBottom: 8 }}
          message={t(`console.end.${state.end.reason}`, { code: state.end.code })}
          description={
            [state.end.exitCode !== undefined ? t('console.exitCode', { code: state.end.exitCode }) : null, state.end.message ?? null]
              .filter(Boolean)
              .join(' · ') || undefined
          }
        />
      ) : null}
      <div ref={box} data-testid="terminal" style={{ height: 420, background: '#000', padding: 4, borderRadius: 6 }} />
    </div>
  );
}
