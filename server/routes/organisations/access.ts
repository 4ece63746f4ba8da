import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AccountUser } from '../../data/accounts.js';
import { membershipOf, type OrganisationRecord, findOrganisation } from '../../data/organisations.js';
import { can, type Capability, type Membership } from '../../domain/organisation-access.js';
import { HttpError, notFound } from '../../http-errors.js';

export interface OrganisationContext {
  organisation: OrganisationRecord;
  membership: Membership;
  user: AccountUser;
  base: string;
}

const organisationParams = z.object({ organisationId: z.uuid() });

/**
 * The organisation in the URL, for a signed-in member of it. Anyone else (and a
 * malformed or missing id) gets the same 404: an organisation's existence is not
 * revealed to outsiders.
 */
export async function organisationFor(app: FastifyInstance, request: FastifyRequest): Promise<OrganisationContext> {
  const params = organisationParams.safeParse(request.params);
  const user = request.user;
  if (!params.success || !user) throw notFound();
  const membership = await membershipOf(app.db, params.data.organisationId, user.id);
  if (!membership) throw notFound();
  const organisation = await findOrganisation(app.db, params.data.organisationId);
  if (!organisation) throw notFound();
  return { organisation, membership, user, base: `/organisations/${organisation.id}` };
}

export const forbidden = () => new HttpError(403, 'forbidden', 'Your role in this organisation does not allow this.');

/** A member whose role lacks the capability gets 403 (they know the organisation; they may not do this). */
export function requireCapability(context: OrganisationContext, capability: Capability): void {
  if (!can(context.membership, capability)) throw forbidden();
}

/** An id in the path that must be a uuid; anything else is a 404 like a missing one. */
export function uuidParam(request: FastifyRequest, name: string): string {
  const value = (request.params as Record<string, unknown>)[name];
  const parsed = z.uuid().safeParse(value);
  if (!parsed.success) throw notFound();
  return parsed.data;
}
