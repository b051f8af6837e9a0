// Sender identities and their signatures, kept server-side per user (DESIGN.md: data the webmail owns).
// The interface is the contract; SqliteIdentities (below, to be written) implements it over webmail.sqlite.
import type { Identity, IdentityInput, IdentityUpdate } from '@mailroom/shared';

export interface IdentityRepository {
  /** The user's identities, the default first. A user with none gets one made from the account address. */
  list(user: string): Promise<Identity[]>;
  get(user: string, id: string): Promise<Identity | null>;
  /** The identity marked default (there is always exactly one). */
  defaultFor(user: string): Promise<Identity>;
  create(user: string, input: IdentityInput): Promise<Identity>;
  /** null when there is no such identity. */
  update(user: string, id: string, change: IdentityUpdate): Promise<Identity | null>;
  /** false when there is no such identity; throws HttpError 409 for the last one. */
  remove(user: string, id: string): Promise<boolean>;
  close(): void;
}
