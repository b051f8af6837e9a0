// The user's identities for compose, through ctx.identities (IdentityRepository) when the context
// has one; otherwise a single default identity made from the account address.
import type { Identity } from '@mailroom/shared';
import type { AppContext } from '../context.js';
import type { IdentityRepository } from '../data/identities.js';

const repoOf = (ctx: AppContext) => (ctx as AppContext & { identities?: IdentityRepository }).identities;

/** The user's identities, the default first. */
export async function userIdentities(ctx: AppContext, user: string): Promise<Identity[]> {
  const repo = repoOf(ctx);
  if (repo) {
    const list = await repo.list(user);
    if (list.length) return list;
  }
  return [{ id: 'default', name: '', email: user, replyTo: null, signatureHtml: '', isDefault: true }];
}

/** The identity with this id, else the default one (a deleted identity never blocks saving or prefill). */
export function pickIdentity(identities: Identity[], id: string | undefined): Identity {
  return (id ? identities.find((i) => i.id === id) : undefined) ?? identities.find((i) => i.isDefault) ?? identities[0]!;
}
