import { useMemo, useState } from 'react';
import type { Attachment } from '@mailroom/shared';
import { buildMessageDocument } from '../../lib/sanitize.js';
import { Icon } from '../../components/Icon/Icon.js';

interface HtmlBodyProps {
  html: string;
  attachments: readonly Attachment[];
}

/** Sandbox of the message iframe: links may open new tabs; no scripts, no same-origin access. */
export const MESSAGE_IFRAME_SANDBOX = 'allow-popups allow-popups-to-escape-sandbox';

/**
 * Renders untrusted mail HTML: sanitised (lib/sanitize.ts) into a document with its own CSP,
 * shown in a sandboxed iframe. Remote content stays blocked until the user asks for it.
 * Mount it with a key per message so the remote-content choice never carries over.
 */
export function HtmlBody({ html, attachments }: HtmlBodyProps) {
  const [allowRemote, setAllowRemote] = useState(false);
  const doc = useMemo(() => buildMessageDocument(html, { allowRemote, attachments }), [html, allowRemote, attachments]);

  return (
    <div className="html-body">
      {doc.blockedRemote && !allowRemote && (
        <div className="remote-bar">
          <Icon name="shield" />
          <span>Remote content was blocked to protect your privacy.</span>
          <button type="button" className="btn btn-small" onClick={() => setAllowRemote(true)}>
            Load remote content
          </button>
        </div>
      )}
      <iframe
        className="message-frame"
        title="Message content"
        sandbox={MESSAGE_IFRAME_SANDBOX}
        srcDoc={doc.srcdoc}
        referrerPolicy="no-referrer"
      />
    </div>
  );
}
