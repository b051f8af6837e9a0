import { createRef } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import '../../lib/i18n.js';
import './test-polyfills.js';
import { RichEditor, type RichEditorHandle } from './RichEditor.js';
import { isSafeLink, normalizeLink } from './links.js';


function setup(initialHtml = '<p>Hello world</p>', upload = vi.fn(async (_f: File) => ({ url: '/api/uploads/abcdefghij12' }))) {
  const ref = createRef<RichEditorHandle>();
  const onChange = vi.fn();
  const onOuterDrop = vi.fn();
  const utils = render(
    <div onDrop={(e) => onOuterDrop(e.defaultPrevented, e.dataTransfer.files.length)}>
      <RichEditor ref={ref} initialHtml={initialHtml} onChange={onChange} onUploadImage={upload} label="Message body" placeholder="Write…" />
    </div>,
  );
  const box = screen.getByRole('textbox', { name: 'Message body' });
  return { ...utils, ref, onChange, upload, onOuterDrop, box, user: userEvent.setup() };
}

async function selectAll(user: ReturnType<typeof userEvent.setup>, box: HTMLElement) {
  box.focus();
  await user.keyboard('{Control>}a{/Control}');
}

function fileList(files: File[]): FileList {
  const list = Object.assign([...files], { item: (i: number) => files[i] ?? null });
  return list as unknown as FileList;
}

describe('RichEditor', () => {
  it('is an accessible multi-line textbox with a labelled toolbar', () => {
    const { box } = setup();
    expect(box.getAttribute('aria-multiline')).toBe('true');
    expect(box.getAttribute('contenteditable')).toBe('true');
    const toolbar = screen.getByRole('toolbar', { name: 'Formatting' });
    for (const name of ['Bold', 'Italic', 'Underline', 'Strikethrough', 'Code', 'Bulleted list', 'Numbered list', 'Quote', 'Link']) {
      expect(screen.getByRole('button', { name }).getAttribute('aria-pressed')).toBe('false');
    }
    expect(screen.getByRole('button', { name: 'Clear formatting' })).toBeTruthy();
    expect(screen.getByRole('combobox', { name: 'Text style' })).toBeTruthy();
    expect(toolbar.contains(screen.getByRole('button', { name: 'Bold' }))).toBe(true);
  });

  it('applies marks from the toolbar and reflects them with aria-pressed', async () => {
    const { box, ref, user, onChange } = setup();
    await selectAll(user, box);
    await user.click(screen.getByRole('button', { name: 'Bold' }));
    expect(ref.current!.getHTML()).toBe('<p><strong>Hello world</strong></p>');
    expect(screen.getByRole('button', { name: 'Bold' }).getAttribute('aria-pressed')).toBe('true');
    expect(onChange).toHaveBeenLastCalledWith('<p><strong>Hello world</strong></p>');
    await user.click(screen.getByRole('button', { name: 'Italic' }));
    await user.click(screen.getByRole('button', { name: 'Underline' }));
    await user.click(screen.getByRole('button', { name: 'Strikethrough' }));
    const html = ref.current!.getHTML();
    for (const tag of ['<strong>', '<em>', '<u>', '<s>']) expect(html).toContain(tag);
    await user.click(screen.getByRole('button', { name: 'Clear formatting' }));
    expect(ref.current!.getHTML()).toBe('<p>Hello world</p>');
    await user.click(screen.getByRole('button', { name: 'Code' }));
    expect(ref.current!.getHTML()).toBe('<p><code>Hello world</code></p>');
  });

  it('formats blocks: lists, quote and headings', async () => {
    const { box, ref, user } = setup();
    await selectAll(user, box);
    await user.click(screen.getByRole('button', { name: 'Bulleted list' }));
    expect(ref.current!.getHTML()).toBe('<ul><li><p>Hello world</p></li></ul>');
    expect(screen.getByRole('button', { name: 'Bulleted list' }).getAttribute('aria-pressed')).toBe('true');
    await user.click(screen.getByRole('button', { name: 'Numbered list' }));
    expect(ref.current!.getHTML()).toBe('<ol><li><p>Hello world</p></li></ol>');
    await user.click(screen.getByRole('button', { name: 'Numbered list' }));
    await user.click(screen.getByRole('button', { name: 'Quote' }));
    expect(ref.current!.getHTML()).toBe('<blockquote><p>Hello world</p></blockquote>');
    await user.click(screen.getByRole('button', { name: 'Quote' }));
    await user.selectOptions(screen.getByRole('combobox', { name: 'Text style' }), 'h2');
    expect(ref.current!.getHTML()).toBe('<h2>Hello world</h2>');
    expect((screen.getByRole('combobox', { name: 'Text style' }) as HTMLSelectElement).value).toBe('h2');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Text style' }), 'paragraph');
    expect(ref.current!.getHTML()).toBe('<p>Hello world</p>');
  });

  it('has the usual keyboard shortcuts', async () => {
    const { box, ref, user } = setup();
    await selectAll(user, box);
    await user.keyboard('{Control>}b{/Control}');
    expect(ref.current!.getHTML()).toBe('<p><strong>Hello world</strong></p>');
    await user.keyboard('{Control>}i{/Control}');
    await user.keyboard('{Control>}u{/Control}');
    expect(ref.current!.getHTML()).toBe('<p><strong><em><u>Hello world</u></em></strong></p>');
  });

  it('keeps the signature block and its marker through getHTML and setContent', () => {
    const signature = '<div data-mailroom-signature=""><p>-- <br>Ann <strong>Smith</strong></p><p>Example Ltd</p></div>';
    const { ref, onChange } = setup(`<p>Hi Bob</p>${signature}<blockquote><p>quoted</p></blockquote>`);
    expect(ref.current!.getHTML()).toBe(`<p>Hi Bob</p>${signature}<blockquote><p>quoted</p></blockquote>`);
    const next = `<p>Hello</p><div data-mailroom-signature=""><p>Best, Carol</p></div>`;
    act(() => ref.current!.setContent(next));
    expect(ref.current!.getHTML()).toBe(next);
    expect(onChange).toHaveBeenLastCalledWith(next);
    const empty = '<p>x</p><div data-mailroom-signature=""></div>';
    act(() => ref.current!.setContent(empty));
    expect(ref.current!.getHTML()).toContain('data-mailroom-signature=""');
    // Inline-only signature content is wrapped, the marker stays.
    act(() => ref.current!.setContent('<p>a</p><div data-mailroom-signature="">-- <br>Ann</div>'));
    expect(ref.current!.getHTML()).toBe('<p>a</p><div data-mailroom-signature=""><p>-- <br>Ann</p></div>');
  });

  it('keeps the forwarded block the server writes on forward', () => {
    const html =
      '<p></p><div data-mailroom-signature=""><p>Ann</p></div><div data-mailroom-forward=""><p>-------- Forwarded Message --------</p><p>Hello</p></div>';
    const { ref } = setup(html);
    expect(ref.current!.getHTML()).toBe(html);
  });

  it('uploads a pasted image and inserts it at the cursor', async () => {
    const { box, upload, onChange, ref } = setup('<p>Look</p>');
    box.focus();
    const file = new File([new Uint8Array([137, 80, 78, 71])], 'photo.png', { type: 'image/png' });
    const paste = new Event('paste', { bubbles: true, cancelable: true });
    Object.defineProperty(paste, 'clipboardData', {
      value: { files: fileList([file]), types: ['Files'], getData: () => '' },
    });
    act(() => {
      box.dispatchEvent(paste);
    });
    expect(paste.defaultPrevented).toBe(true);
    expect(upload).toHaveBeenCalledWith(file);
    await waitFor(() => expect(ref.current!.getHTML()).toContain('<img src="/api/uploads/abcdefghij12" alt="photo.png">'));
    expect(onChange).toHaveBeenLastCalledWith(ref.current!.getHTML());
  });

  it('shows an error when an image upload fails and inserts nothing', async () => {
    const upload = vi.fn(async () => {
      throw new Error('too big');
    });
    const { box, ref } = setup('<p>Look</p>', upload);
    const file = new File(['x'], 'big.jpg', { type: 'image/jpeg' });
    const paste = new Event('paste', { bubbles: true, cancelable: true });
    Object.defineProperty(paste, 'clipboardData', { value: { files: fileList([file]), types: ['Files'], getData: () => '' } });
    act(() => {
      box.dispatchEvent(paste);
    });
    expect((await screen.findByRole('alert')).textContent).toContain('big.jpg');
    expect(ref.current!.getHTML()).toBe('<p>Look</p>');
  });

  it('takes dropped images and lets other dropped files bubble to the dialog', async () => {
    const { box, upload, onOuterDrop, ref } = setup('<p>Drop here</p>');
    const pdf = new File(['%PDF'], 'report.pdf', { type: 'application/pdf' });
    fireEvent.drop(box, { dataTransfer: { files: fileList([pdf]), types: ['Files'], getData: () => '' } });
    expect(upload).not.toHaveBeenCalled();
    expect(onOuterDrop).toHaveBeenCalledWith(false, 1);

    onOuterDrop.mockClear();
    const img = new File(['gif'], 'anim.gif', { type: 'image/gif' });
    fireEvent.drop(box, { dataTransfer: { files: fileList([img]), types: ['Files'], getData: () => '' } });
    expect(upload).toHaveBeenCalledWith(img);
    expect(onOuterDrop).not.toHaveBeenCalled();
    await waitFor(() => expect(ref.current!.getHTML()).toContain('alt="anim.gif"'));
  });

  it('refuses unsafe links and accepts web and mail links', async () => {
    const { box, ref, user } = setup('<p>Click <a href="javascript:alert(1)">me</a></p>');
    expect(ref.current!.getHTML()).not.toContain('javascript:');
    await selectAll(user, box);
    await user.click(screen.getByRole('button', { name: 'Link' }));
    const input = screen.getByRole('textbox', { name: 'Link address' });
    await user.type(input, 'javascript:alert(1)');
    await user.click(screen.getByRole('button', { name: 'Apply' }));
    expect(screen.getByRole('alert').textContent).toMatch(/http/);
    expect(ref.current!.getHTML()).not.toContain('<a');
    await user.clear(input);
    await user.type(input, 'example.org/page{Enter}');
    expect(screen.queryByRole('textbox', { name: 'Link address' })).toBeNull();
    expect(ref.current!.getHTML()).toContain('href="https://example.org/page"');
    expect(screen.getByRole('button', { name: 'Link' }).getAttribute('aria-pressed')).toBe('true');
    await user.click(screen.getByRole('button', { name: 'Link' }));
    await user.click(screen.getByRole('button', { name: 'Remove link' }));
    expect(ref.current!.getHTML()).not.toContain('<a');
  });

  it('normalises typed links and rejects other schemes', () => {
    expect(normalizeLink('https://example.org/x?y=1')).toBe('https://example.org/x?y=1');
    expect(normalizeLink('ann@example.org')).toBe('mailto:ann@example.org');
    expect(normalizeLink('mailto:ann@example.org?subject=Hi')).toBe('mailto:ann@example.org?subject=Hi');
    expect(normalizeLink('example.org:8080/a')).toBe('https://example.org:8080/a');
    for (const bad of ['javascript:alert(1)', 'data:text/html,x', 'file:///etc/passwd', 'vbscript:x', '', 'hello', 'http://']) {
      expect(normalizeLink(bad), bad).toBeNull();
    }
    expect(isSafeLink('JAVASCRIPT:alert(1)')).toBe(false);
    expect(isSafeLink('HTTPS://EXAMPLE.ORG')).toBe(true);
  });
});
