import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Identity } from '@mailroom/shared';
import '../../components/RichEditor/test-polyfills.js';
import { apiError, json, mockApi, renderApp } from '../../test/api-mock.js';
import IdentitiesSettings from './IdentitiesSettings.js';
import SettingsDialog from '../settings/SettingsDialog.js';

const ann: Identity = {
  id: 'id-1',
  name: 'Ann Example',
  email: 'ann@example.org',
  replyTo: null,
  signatureHtml: '<p>-- Ann</p>',
  isDefault: true,
};
const sales: Identity = { id: 'id-2', name: 'Sales', email: 'sales@example.org', replyTo: 'team@example.org', signatureHtml: '', isDefault: false };

describe('IdentitiesSettings', () => {
  it('lists identities and adds one with a signature written in the editor', async () => {
    let list = [ann];
    const { requests } = mockApi({
      'GET /api/identities': () => ({ status: 200, body: { identities: list } }),
      'POST /api/identities': (req) => {
        const created = { id: 'id-3', ...(req.body as Omit<Identity, 'id'>) };
        list = [...list, created];
        return { status: 201, body: created };
      },
    });
    const user = userEvent.setup();
    renderApp(<IdentitiesSettings />);
    expect(await screen.findByText('Ann Example')).toBeTruthy();
    expect(screen.getByText('Default')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Add identity' }));
    const form = screen.getByRole('form', { name: 'New identity' });
    await user.type(within(form).getByLabelText('Name'), 'Support');
    await user.type(within(form).getByLabelText('Email address'), 'support@example.org');
    await user.type(within(form).getByLabelText('Reply-to address (optional)'), 'help@example.org');
    const signature = await within(form).findByRole('textbox', { name: 'Signature' });
    signature.focus();
    await user.keyboard('Kind regards');
    await user.click(within(form).getByRole('checkbox', { name: 'Use as default identity' }));
    await user.click(within(form).getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(requests.some((r) => r.method === 'POST')).toBe(true));
    const post = requests.find((r) => r.method === 'POST')!;
    expect(post.path).toBe('/api/identities');
    expect(post.body).toEqual({
      name: 'Support',
      email: 'support@example.org',
      replyTo: 'help@example.org',
      signatureHtml: '<p>Kind regards</p>',
      isDefault: true,
    });
    expect(await screen.findByText('Support')).toBeTruthy();
    expect(screen.queryByRole('form')).toBeNull();
  });

  it('checks addresses before saving and shows the server validation message', async () => {
    const { requests } = mockApi({
      'GET /api/identities': json({ identities: [ann, sales] }),
      'PATCH /api/identities/id-2': apiError(400, 'invalid_request', 'email: not a valid email address'),
    });
    const user = userEvent.setup();
    renderApp(<IdentitiesSettings />);
    await user.click(await screen.findByRole('button', { name: 'Edit identity sales@example.org' }));
    const form = screen.getByRole('form', { name: 'Edit identity' });
    const email = within(form).getByLabelText('Email address');
    expect((email as HTMLInputElement).value).toBe('sales@example.org');
    expect((within(form).getByLabelText('Reply-to address (optional)') as HTMLInputElement).value).toBe('team@example.org');
    await user.clear(email);
    await user.type(email, 'not-an-address');
    await user.click(within(form).getByRole('button', { name: 'Save' }));
    expect(screen.getByRole('alert').textContent).toBe('Enter a valid email address.');
    expect(email.getAttribute('aria-invalid')).toBe('true');
    expect(requests.filter((r) => r.method === 'PATCH')).toHaveLength(0);

    await user.clear(email);
    await user.type(email, 'sales@example.com');
    await user.click(within(form).getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('alert')).textContent).toBe('email: not a valid email address');
    const patch = requests.find((r) => r.method === 'PATCH')!;
    expect(patch.body).toMatchObject({ email: 'sales@example.com', replyTo: 'team@example.org', signatureHtml: '', isDefault: false });
    // Still open, nothing lost.
    expect((within(form).getByLabelText('Email address') as HTMLInputElement).value).toBe('sales@example.com');
  });

  it('keeps a signature block as it was when only the name changes', async () => {
    const { requests } = mockApi({
      'GET /api/identities': json({ identities: [ann] }),
      'PATCH /api/identities/id-1': (req) => ({ status: 200, body: { ...ann, ...(req.body as object) } }),
    });
    const user = userEvent.setup();
    renderApp(<IdentitiesSettings />);
    await user.click(await screen.findByRole('button', { name: 'Edit identity ann@example.org' }));
    await screen.findByRole('textbox', { name: 'Signature' });
    const name = screen.getByLabelText('Name');
    await user.clear(name);
    await user.type(name, 'Ann E.');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'PATCH')).toBe(true));
    expect(requests.find((r) => r.method === 'PATCH')!.body).toMatchObject({ name: 'Ann E.', signatureHtml: '<p>-- Ann</p>' });
  });

  it('deletes after confirmation and shows why the last one cannot go', async () => {
    let list = [ann, sales];
    const { requests } = mockApi({
      'GET /api/identities': () => ({ status: 200, body: { identities: list } }),
      'DELETE /api/identities/id-2': () => {
        list = [ann];
        return { status: 204 };
      },
      'DELETE /api/identities/id-1': apiError(409, 'conflict', 'The last identity cannot be deleted.'),
    });
    const user = userEvent.setup();
    renderApp(<IdentitiesSettings />);
    await user.click(await screen.findByRole('button', { name: 'Delete identity sales@example.org' }));
    const confirm = screen.getByRole('group', { name: 'Delete identity sales@example.org?' });
    expect(requests.some((r) => r.method === 'DELETE')).toBe(false);
    await user.click(within(confirm).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(screen.queryByText('Sales')).toBeNull());

    await user.click(screen.getByRole('button', { name: 'Delete identity ann@example.org' }));
    await user.click(within(screen.getByRole('group', { name: 'Delete identity ann@example.org?' })).getByRole('button', { name: 'Delete' }));
    expect((await screen.findByRole('alert')).textContent).toBe('The last identity cannot be deleted.');
    expect(screen.getByText('Ann Example')).toBeTruthy();
  });
});

describe('SettingsDialog', () => {
  it('saves the compose preferences and opens the identities tab', async () => {
    const { requests } = mockApi({
      'GET /api/preferences': json({ theme: 'system', language: 'en', composeFormat: 'html', undoSendDelayMs: 10000 }),
      'PATCH /api/preferences': (req) => ({ status: 200, body: req.body }),
      'GET /api/identities': json({ identities: [ann] }),
    });
    const user = userEvent.setup();
    renderApp(<SettingsDialog onClose={() => {}} />);
    const dialog = screen.getByRole('dialog', { name: 'Settings' });
    expect(within(dialog).getByRole('tab', { name: 'General' }).getAttribute('aria-selected')).toBe('true');
    expect(within(dialog).getByLabelText('Theme')).toBeTruthy();

    await user.click(within(dialog).getByRole('tab', { name: 'Compose' }));
    const undo = within(dialog).getByLabelText('Undo send') as HTMLSelectElement;
    await waitFor(() => expect(undo.value).toBe('10000'));
    expect(Array.from(undo.options).map((o) => o.text)).toEqual(['Off', '5 seconds', '10 seconds', '20 seconds', '30 seconds']);
    await user.selectOptions(undo, '30000');
    await user.selectOptions(within(dialog).getByLabelText('Default editor'), 'text');
    await waitFor(() => expect(requests.filter((r) => r.method === 'PATCH')).toHaveLength(2));
    expect(requests.filter((r) => r.method === 'PATCH').map((r) => r.body)).toEqual([{ undoSendDelayMs: 30000 }, { composeFormat: 'text' }]);

    // Arrow keys move between the tabs.
    within(dialog).getByRole('tab', { name: 'Compose' }).focus();
    await user.keyboard('{ArrowRight}');
    const identitiesTab = within(dialog).getByRole('tab', { name: 'Identities' });
    expect(document.activeElement).toBe(identitiesTab);
    expect(identitiesTab.getAttribute('aria-selected')).toBe('true');
    expect(await within(dialog).findByText('Ann Example')).toBeTruthy();
    expect(within(dialog).getByRole('tabpanel', { name: 'Identities' })).toBeTruthy();
  });
});
