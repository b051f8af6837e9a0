import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQueries } from '@tanstack/react-query';
import type { Attachment } from '@mailroom/shared';
import { buildMessageDocument } from '../../lib/sanitize.js';
import { Icon } from '../../components/Icon/Icon.js';
import { inlineImageQuery } from './message.queries.js';

interface HtmlBodyProps {
  html: string;
  attachments: readonly Attachment[];
  /** The attachments the HTML references with cid: (see referencedContentIds). */
  inlineAttachments: readonly Attachment[];
  /** The sender is on the user's "always load remote content" list. */
  trustedSender?: boolean;
  /** Adds the sender to that list (shown as "Always for this sender"); absent when there is no sender. */
  onAlwaysAllow?: () => void;
}

/** Sandbox of the message iframe: links may open new tabs; no scripts, no same-origin access. */
export const MESSAGE_IFRAME_SANDBOX = 'allow-popups allow-popups-to-escape-sandbox';

/**
 * Renders untrusted mail HTML: sanitised (lib/sanitize.ts) into a document with its own CSP,
 * shown in a sandboxed iframe. Remote content stays blocked until the user asks for it.
 * Inline (cid:) images are loaded here and passed in as data: URLs.
 * Mount it with a key per message so the remote-content choice never carries over.
 */
export function HtmlBody({ html, attachments, inlineAttachments: inline, trustedSender = false, onAlwaysAllow }: HtmlBodyProps) {
  const { t } = useTranslation();
  const [allowedHere, setAllowRemote] = useState(false);
  const allowRemote = allowedHere || trustedSender;
  const images = useQueries({
    queries: inline.map((a) => inlineImageQuery(a)),
    combine: (results) => ({ ready: results.every((r) => !r.isPending), data: results.map((r) => r.data ?? null) }),
  });

  // Switch to the loaded images once, when all of them are settled (one iframe reload at most).
  const inlineImages = useMemo(() => {
    const map = new Map<string, string>();
    if (!images.ready) return map;
    inline.forEach((a, i) => {
      const data = images.data[i];
      if (a.contentId && data) map.set(a.contentId, data);
    });
    return map;
  }, [inline, images.ready, images.data]);

  const doc = useMemo(
    () => buildMessageDocument(html, { allowRemote, attachments, inlineImages }),
    [html, allowRemote, attachments, inlineImages],
  );

  return (
    <div className="html-body">
      {doc.blockedRemote && !allowRemote && (
        <div className="remote-bar">
          <Icon name="shield" />
          <span>{t('Remote content was blocked to protect your privacy.')}</span>
          <button type="button" className="btn btn-small" onClick={() => setAllowRemote(true)}>
            {t('Load remote content')}
          </button>
          {onAlwaysAllow && (
            <button type="button" className="btn btn-small" onClick={onAlwaysAllow}>
              {t('Always for this sender')}
            </button>
          )}
        </div>
      )}
      <iframe
        className="message-frame"
        title={t('Message content')}
        sandbox={MESSAGE_IFRAME_SANDBOX}
        srcDoc={doc.srcdoc}
        referrerPolicy="no-referrer"
      />
    </div>
  );
}
