// The user's identities for compose (ctx.identities), and picking the one a message goes out from.
import type { Identity } from '@mailroom/shared';
import type { AppContext } from '../context.js';

/** The user's identities, the default first (one made from the account address when none is stored). */
export async function userIdentities(ctx: AppContext, user: string): Promise<Identity[]> {
  const list = await ctx.identities.list(user);
  if (list.length) return list;
  return [{ id: 'default', name: '', email: user, replyTo: null, signatureHtml: '', isDefault: true }];
}

/** The identity with this id, else the default one (a deleted identity never blocks saving or prefill). */
export function pickIdentity(identities: Identity[], id: string | undefined): Identity {
  return (id ? identities.find((i) => i.id === id) : undefined) ?? identities.find((i) => i.isDefault) ?? identities[0]!;
}
