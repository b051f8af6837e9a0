// The HTML mail editor (tiptap 3). Lazy-loaded: import it with React.lazy(() => import('…/RichEditor.js')).
import { forwardRef, useEffect, useId, useImperativeHandle, useRef, useState, type KeyboardEvent as ReactKeyboardEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { EditorContent, useEditor, useEditorState, type Editor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import Image from '@tiptap/extension-image';
import { Placeholder } from '@tiptap/extensions';
import type { EditorView } from '@tiptap/pm/view';
import { ForwardBlock, QuoteBlock, Signature } from './signature.js';
import { isSafeLink, normalizeLink } from './links.js';
import './RichEditor.css';

export interface RichEditorHandle {
  getHTML(): string;
  setContent(html: string): void;
  focus(): void;
}

export interface RichEditorProps {
  initialHtml: string;
  onChange(html: string): void;
  onUploadImage(file: File): Promise<{ url: string }>;
  label: string;
  placeholder?: string;
  autoFocus?: boolean;
}

type BlockStyle = 'paragraph' | 'h1' | 'h2' | 'h3';

function imageFiles(list: FileList | null | undefined): File[] | null {
  const files = list ? Array.from(list) : [];
  if (files.length === 0) return null;
  // Only a drop/paste made entirely of images is taken by the editor; anything else is left to the
  // surrounding compose dialog (attachments).
  return files.every((f) => f.type.startsWith('image/')) ? files : null;
}

/**
 * Rich text editor with a formatting toolbar. Images pasted or dropped are uploaded with
 * onUploadImage and inserted as <img src=url alt=filename>; other dropped files are not handled
 * (the drop event bubbles on, not default-prevented). onChange gets the HTML after every change,
 * setContent included.
 */
export const RichEditor = forwardRef<RichEditorHandle, RichEditorProps>(function RichEditor(
  { initialHtml, onChange, onUploadImage, label, placeholder, autoFocus },
  ref,
) {
  const { t } = useTranslation();
  const onChangeRef = useRef(onChange);
  const uploadRef = useRef(onUploadImage);
  useEffect(() => {
    onChangeRef.current = onChange;
    uploadRef.current = onUploadImage;
  });
  const [uploadError, setUploadError] = useState<string | null>(null);
  const [uploading, setUploading] = useState(0);
  const editorRef = useRef<Editor | null>(null);

  const insertImages = (files: File[], at: number | null) => {
    setUploadError(null);
    setUploading((n) => n + files.length);
    void (async () => {
      let pos = at;
      for (const file of files) {
        try {
          const { url } = await uploadRef.current(file);
          const editor = editorRef.current;
          if (!editor || editor.isDestroyed) return;
          const node = { type: 'image', attrs: { src: url, alt: file.name } };
          if (pos === null) {
            editor.chain().focus().insertContent(node).run();
          } else {
            const clamped = Math.max(0, Math.min(pos, editor.state.doc.content.size));
            editor.chain().focus().insertContentAt(clamped, node).run();
            pos = clamped + 1;
          }
        } catch {
          setUploadError(t('The image {{name}} could not be uploaded.', { name: file.name }));
        } finally {
          setUploading((n) => n - 1);
        }
      }
    })();
  };
  const insertImagesRef = useRef(insertImages);
  useEffect(() => {
    insertImagesRef.current = insertImages;
  });

  const editor = useEditor({
    extensions: [
      StarterKit.configure({
        heading: { levels: [1, 2, 3] },
        codeBlock: false,
        trailingNode: false,
        link: {
          openOnClick: false,
          autolink: true,
          defaultProtocol: 'https',
          protocols: ['mailto'],
          isAllowedUri: (url) => isSafeLink(url),
        },
      }),
      Image.configure({ inline: true, allowBase64: false }),
      Placeholder.configure({ placeholder: placeholder ?? '' }),
      Signature,
      ForwardBlock,
      QuoteBlock,
    ],
    content: initialHtml,
    autofocus: autoFocus ? 'start' : false,
    editorProps: {
      attributes: {
        role: 'textbox',
        'aria-multiline': 'true',
        'aria-label': label,
        class: 'rich-editor-content',
      },
      handlePaste: (_view: EditorView, event: ClipboardEvent) => {
        const files = imageFiles(event.clipboardData?.files);
        if (!files) return false;
        event.preventDefault();
        insertImagesRef.current(files, null);
        return true;
      },
      handleDOMEvents: {
        // Before ProseMirror's own drop handling (which needs a position under the pointer).
        drop: (view: EditorView, event: DragEvent) => {
          const files = imageFiles(event.dataTransfer?.files);
          if (!files) return false;
          event.preventDefault();
          event.stopPropagation();
          let at: number | null = null;
          try {
            at = view.posAtCoords({ left: event.clientX, top: event.clientY })?.pos ?? null;
          } catch {
            at = null;
          }
          insertImagesRef.current(files, at);
          return true;
        },
      },
    },
    onUpdate: ({ editor: e }) => onChangeRef.current(e.getHTML()),
  });
  editorRef.current = editor;

  useEffect(() => {
    editor.setOptions({
      editorProps: {
        ...editor.options.editorProps,
        attributes: { ...(editor.options.editorProps.attributes as Record<string, string>), 'aria-label': label },
      },
    });
  }, [editor, label]);

  useImperativeHandle(
    ref,
    () => ({
      getHTML: () => editor.getHTML(),
      setContent: (html: string) => {
        editor.commands.setContent(html, { emitUpdate: true });
      },
      focus: () => {
        editor.commands.focus();
      },
    }),
    [editor],
  );

  return (
    <div className="rich-editor">
      <Toolbar editor={editor} />
      <EditorContent editor={editor} className="rich-editor-body" />
      {uploading > 0 && (
        <p className="rich-editor-status" role="status">
          {t('Uploading image…')}
        </p>
      )}
      {uploadError && (
        <p className="rich-editor-error" role="alert">
          {uploadError}
        </p>
      )}
    </div>
  );
});

export default RichEditor;

function Toolbar({ editor }: { editor: Editor }) {
  const { t } = useTranslation();
  const [linkOpen, setLinkOpen] = useState(false);
  const state = useEditorState({
    editor,
    selector: ({ editor: e }) => ({
      bold: e.isActive('bold'),
      italic: e.isActive('italic'),
      underline: e.isActive('underline'),
      strike: e.isActive('strike'),
      code: e.isActive('code'),
      bulletList: e.isActive('bulletList'),
      orderedList: e.isActive('orderedList'),
      blockquote: e.isActive('blockquote'),
      link: e.isActive('link'),
      block: (e.isActive('heading', { level: 1 })
        ? 'h1'
        : e.isActive('heading', { level: 2 })
          ? 'h2'
          : e.isActive('heading', { level: 3 })
            ? 'h3'
            : 'paragraph') as BlockStyle,
    }),
  });

  const setBlock = (value: BlockStyle) => {
    const chain = editor.chain().focus();
    if (value === 'paragraph') chain.setParagraph().run();
    else chain.setHeading({ level: Number(value.slice(1)) as 1 | 2 | 3 }).run();
  };

  // Arrow keys move between the toolbar's controls (one toolbar, many buttons).
  const onKeyDown = (e: ReactKeyboardEvent<HTMLDivElement>) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft' && e.key !== 'Home' && e.key !== 'End') return;
    if (e.target instanceof HTMLSelectElement && (e.key === 'Home' || e.key === 'End')) return;
    const controls = Array.from(e.currentTarget.querySelectorAll<HTMLElement>('[data-toolbar-item]'));
    const index = controls.indexOf(e.target as HTMLElement);
    if (index < 0) return;
    e.preventDefault();
    const next =
      e.key === 'Home' ? 0 : e.key === 'End' ? controls.length - 1 : (index + (e.key === 'ArrowRight' ? 1 : -1) + controls.length) % controls.length;
    controls[next]?.focus();
  };

  const button = (name: string, glyph: ReactNode, active: boolean | null, run: () => void, className?: string) => (
    <button
      type="button"
      data-toolbar-item=""
      className={`rich-editor-button${className ? ` ${className}` : ''}`}
      aria-label={name}
      title={name}
      aria-pressed={active === null ? undefined : active}
      onMouseDown={(e) => e.preventDefault()}
      onClick={run}
    >
      <span aria-hidden="true">{glyph}</span>
    </button>
  );

  return (
    <div className="rich-editor-toolbar-wrap">
      <div role="toolbar" aria-label={t('Formatting')} className="rich-editor-toolbar" onKeyDown={onKeyDown}>
        <select
          data-toolbar-item=""
          className="rich-editor-select"
          aria-label={t('Text style')}
          value={state.block}
          onChange={(e) => setBlock(e.target.value as BlockStyle)}
        >
          <option value="paragraph">{t('Paragraph')}</option>
          <option value="h1">{t('Heading 1')}</option>
          <option value="h2">{t('Heading 2')}</option>
          <option value="h3">{t('Heading 3')}</option>
        </select>
        {button(t('Bold'), 'B', state.bold, () => editor.chain().focus().toggleBold().run(), 'is-bold')}
        {button(t('Italic'), 'I', state.italic, () => editor.chain().focus().toggleItalic().run(), 'is-italic')}
        {button(t('Underline'), 'U', state.underline, () => editor.chain().focus().toggleUnderline().run(), 'is-underline')}
        {button(t('Strikethrough'), 'S', state.strike, () => editor.chain().focus().toggleStrike().run(), 'is-strike')}
        {button(t('Code'), <ToolIcon name="code" />, state.code, () => editor.chain().focus().toggleCode().run())}
        <span className="rich-editor-sep" aria-hidden="true" />
        {button(t('Bulleted list'), <ToolIcon name="bulletList" />, state.bulletList, () => editor.chain().focus().toggleBulletList().run())}
        {button(t('Numbered list'), <ToolIcon name="orderedList" />, state.orderedList, () => editor.chain().focus().toggleOrderedList().run())}
        {button(t('Quote'), <ToolIcon name="quote" />, state.blockquote, () => editor.chain().focus().toggleBlockquote().run())}
        {button(t('Link'), <ToolIcon name="link" />, state.link, () => setLinkOpen((v) => !v))}
        <span className="rich-editor-sep" aria-hidden="true" />
        {button(t('Clear formatting'), <ToolIcon name="clear" />, null, () => editor.chain().focus().unsetAllMarks().clearNodes().run())}
      </div>
      {linkOpen && <LinkPrompt editor={editor} onClose={() => setLinkOpen(false)} />}
    </div>
  );
}

const TOOL_ICONS: Record<string, ReactNode> = {
  code: <path d="m8 7-5 5 5 5M16 7l5 5-5 5" />,
  bulletList: (
    <>
      <path d="M9 6h11M9 12h11M9 18h11" />
      <circle cx="4.5" cy="6" r="1" fill="currentColor" />
      <circle cx="4.5" cy="12" r="1" fill="currentColor" />
      <circle cx="4.5" cy="18" r="1" fill="currentColor" />
    </>
  ),
  orderedList: <path d="M10 6h10M10 12h10M10 18h10M4 4h1.5v4M4 8h3M4 11.5c0-.8.7-1.5 1.5-1.5S7 10.7 7 11.5 4 14 4 14h3M4 16.5h3l-1.5 1.5c.8 0 1.5.4 1.5 1.2S6.3 20.5 5.5 20.5 4 20 4 20" />,
  quote: <path d="M4 18v-5a5 5 0 0 1 5-5M4 13h5v5H4M13 18v-5a5 5 0 0 1 5-5M13 13h5v5h-5" />,
  link: <path d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1" />,
  clear: <path d="M6 5h12M12 5l-4 14M4 4l16 16" />,
};

function ToolIcon({ name }: { name: keyof typeof TOOL_ICONS }) {
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      {TOOL_ICONS[name]}
    </svg>
  );
}

function LinkPrompt({ editor, onClose }: { editor: Editor; onClose: () => void }) {
  const { t } = useTranslation();
  const id = useId();
  const current = (editor.getAttributes('link') as { href?: string }).href ?? '';
  const [value, setValue] = useState(current);
  const [error, setError] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => inputRef.current?.focus(), []);

  const close = () => {
    onClose();
    editor.commands.focus();
  };
  const apply = () => {
    const href = normalizeLink(value);
    if (!href) {
      setError(t('Only web (http, https) and email (mailto) links are allowed.'));
      return;
    }
    const chain = editor.chain().focus().extendMarkRange('link');
    if (editor.state.selection.empty && !editor.isActive('link')) {
      chain.insertContent({ type: 'text', text: value.trim(), marks: [{ type: 'link', attrs: { href } }] }).run();
    } else {
      chain.setLink({ href }).run();
    }
    onClose();
  };
  const remove = () => {
    editor.chain().focus().extendMarkRange('link').unsetLink().run();
    onClose();
  };

  return (
    <div
      role="group"
      aria-label={t('Link')}
      className="rich-editor-link"
      onKeyDown={(e) => {
        if (e.key === 'Enter' && e.target instanceof HTMLInputElement) {
          e.preventDefault();
          apply();
        } else if (e.key === 'Escape') {
          e.preventDefault();
          e.stopPropagation();
          close();
        }
      }}
    >
      <label htmlFor={`${id}-href`}>{t('Link address')}</label>
      <input
        ref={inputRef}
        id={`${id}-href`}
        type="text"
        inputMode="url"
        autoComplete="off"
        placeholder="https://"
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => {
          setValue(e.target.value);
          setError(null);
        }}
      />
      <button type="button" className="btn btn-primary" onClick={apply}>
        {t('Apply')}
      </button>
      {current && (
        <button type="button" className="btn" onClick={remove}>
          {t('Remove link')}
        </button>
      )}
      <button type="button" className="btn btn-ghost" onClick={close}>
        {t('Cancel')}
      </button>
      {error && (
        <p id={`${id}-error`} className="rich-editor-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
