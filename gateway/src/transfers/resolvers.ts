import { fail, recordMeta, type KindMeta } from '@footprint/schema';
import { MAX_PAGE_SIZE } from '@footprint/kit';
import { z } from 'zod';
import { authorizeOwned, recordAccess, requireDecidedPerson } from '../auth/access.js';
import type { GatewayStore } from '../auth/audit.js';
import { audit } from '../auth/audit.js';
import type { GatewayContext } from '../context.js';
import type { LocalResolvers } from '../local.js';
import { checkServerUrl, TargetRefused, type TargetPolicy } from './carddav/target.js';
import type { PushRunner } from './runner.js';
import { RESUMABLE, type ServerPush, type ServerPushes } from './store.js';

export interface PushResolverDeps {
  pushes: ServerPushes;
  runner: PushRunner;
  store: GatewayStore;
  policy: TargetPolicy;
  kind: KindMeta;
  /** The kinds a contact push sends (cloud.contact). */
  kinds: string[];
  region: string;
  worker: string;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: input validation: these control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A text a person types: one line, no control characters. */
const Line = (field: string, max: number) =>
  z
    .string()
    .min(1, `${field} is empty`)
    .max(max, `${field} is longer than ${max} characters`)
    .refine((s) => !CONTROL.test(s), `${field} holds a control character`);

const TransferInput = z.object({
  serverUrl: z.string().max(2000, 'serverUrl is longer than 2,000 characters'),
  username: Line('username', 256),
  appPassword: Line('appPassword', 1024),
  addressBook: Line('addressBook', 200).nullish(),
});
const PushId = z.uuid({ message: 'pushId is not a push id' });
const PageArgs = z.object({ first: z.number().int().min(1, 'first must be at least 1').max(MAX_PAGE_SIZE, `first may be at most ${MAX_PAGE_SIZE}`).nullish(), after: z.string().max(500).nullish() });
const Cursor = z.object({ createdAt: z.string().max(40), id: z.string().max(40) });

/** Parses an argument; the error names the field and what is wrong, never the value (it may be the password). */
function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const first = r.error.issues[0];
    fail('BAD_USER_INPUT', r.error.issues.map((i) => i.message).join('; '), { field: first ? String(first.path.at(-1) ?? '') : undefined });
  }
  return r.data;
}

const encode = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
function decode(cursor: string): z.infer<typeof Cursor> {
  try {
    return Cursor.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    fail('BAD_USER_INPUT', `Invalid cursor "${cursor.slice(0, 40)}": pass an endCursor returned by this field`);
  }
}

/**
 * Starting, resuming and cancelling a push is the person's alone: the data
 * goes to a third party of their choosing with their own credentials there.
 * An operator's attempt is refused and audited; an export job's token never acts.
 */
async function personOnly(ctx: GatewayContext, store: GatewayStore, operation: string): Promise<string> {
  const p = ctx.principal;
  if (p.kind === 'subject') return p.sub;
  const refusal = 'Only the person can send their data to a server they name (with their own app password there); operators cannot start, resume or cancel a push';
  if (p.kind === 'operator') await recordAccess(store, ctx, { person: null, operation }, `refused: ${refusal}`);
  fail('FORBIDDEN', refusal);
}

export function pushResolvers(d: PushResolverDeps): LocalResolvers {
  const { pushes, runner, store } = d;

  const view = (p: ServerPush) => ({
    ...p,
    meta: recordMeta(d.kind, 'gateway', { collectedAt: p.createdAt, region: d.region, source: null }),
    addressBookUrl: p.addressBookUrl,
    resumable: (RESUMABLE as string[]).includes(p.state),
    failedCards: async () => (await pushes.failedCards(p.id)).map((c) => ({ recordId: c.recordId, uid: c.uid, message: c.problem ?? 'not verified' })),
  });

  const started = async (ctx: GatewayContext, push: ServerPush, what: string) => {
    try {
      await audit(store, { actor: push.personId, actorType: 'subject', person: push.personId, operation: `push ${push.kinds.join(', ')} to ${push.recipientHost} [${push.id}]`, reason: null, requestId: ctx.requestId, outcome: what });
    } catch (err) {
      // No entry, no transfer: nothing has been sent yet.
      ctx.log.error({ err }, 'audit write failed');
      await pushes.fail(push.id, d.worker, { code: 'INTERNAL_SERVER_ERROR', message: 'The audit log could not be written; nothing was sent' });
      fail('INTERNAL_SERVER_ERROR', 'The audit log could not be written; the push was not started');
    }
  };

  return {
    Person: {
      serverPushes: (parent: { id: string }, _: unknown, ctx: GatewayContext) => {
        requireDecidedPerson(ctx, parent.id);
        return { personId: parent.id };
      },
    },
    ServerPushesData: {
      pushes: async (parent: { personId: string }, rawArgs: unknown) => {
        const args = parse(PageArgs, rawArgs);
        const first = args.first ?? 100;
        const res = await pushes.forPerson(parent.personId, first, args.after ? decode(args.after) : null);
        const nodes = res.nodes.map(view);
        const edges = res.nodes.map((p, i) => ({ cursor: encode({ createdAt: p.createdAt, id: p.id }), node: nodes[i] }));
        return { nodes, edges, pageInfo: { hasNextPage: res.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null }, totalCount: res.totalCount };
      },
    },
    Query: {
      serverPush: async (_: unknown, args: { pushId: string }, ctx: GatewayContext) => {
        const id = parse(PushId, args.pushId);
        const push = await authorizeOwned(store, ctx, await pushes.get(id), { scope: 'footprint:read', operation: `query serverPush ${id}` });
        return push ? view(push) : null;
      },
    },
    Mutation: {
      transferContacts: async (_: unknown, args: { input: unknown }, ctx: GatewayContext) => {
        const person = await personOnly(ctx, store, 'mutation transferContacts');
        const input = parse(TransferInput, args.input);
        let url: URL;
        try {
          url = checkServerUrl(input.serverUrl, d.policy);
        } catch (err) {
          if (err instanceof TargetRefused) fail('BAD_USER_INPUT', err.message, { field: 'serverUrl', reason: err.reason });
          throw err;
        }
        if (d.kinds.length === 0) fail('INTERNAL_SERVER_ERROR', 'No kind of data is declared as an address book (@personalData(format: VCARD)): there is nothing to push');
        const active = await pushes.active(person);
        if (active) fail('CONFLICT', `Push ${active.id} is still running; wait for it or cancel it first`, { pushId: active.id });
        const push = await pushes.create({ personId: person, kinds: d.kinds, serverUrl: url.href, recipientHost: url.host, username: input.username, addressBook: input.addressBook ?? null }, d.worker);
        await started(ctx, push, 'started');
        runner.start(push, input.appPassword);
        return view(push);
      },
      resumeServerPush: async (_: unknown, args: { pushId: string; appPassword: unknown }, ctx: GatewayContext) => {
        const person = await personOnly(ctx, store, 'mutation resumeServerPush');
        const id = parse(PushId, args.pushId);
        const password = parse(Line('appPassword', 1024), args.appPassword);
        const push = await pushes.get(id);
        if (!push || push.personId !== person) fail('NOT_FOUND', `No push ${id} of yours`);
        if (!(RESUMABLE as string[]).includes(push.state)) fail('CONFLICT', `Push ${id} is ${push.state}: only a FAILED or CANCELLED push is resumed`, { state: push.state });
        const active = await pushes.active(person);
        if (active) fail('CONFLICT', `Push ${active.id} is still running; wait for it or cancel it first`, { pushId: active.id });
        // Re-checked: a push recorded before production refused its URL is not carried on.
        try {
          checkServerUrl(push.serverUrl, d.policy);
        } catch (err) {
          if (err instanceof TargetRefused) fail('BAD_USER_INPUT', err.message, { field: 'serverUrl', reason: err.reason });
          throw err;
        }
        const resumed = await pushes.resume(id, d.worker);
        if (!resumed) fail('CONFLICT', `Push ${id} was resumed or changed meanwhile`);
        await started(ctx, resumed, `resumed (run ${resumed.runs})`);
        runner.start(resumed, password);
        return view(resumed);
      },
      cancelServerPush: async (_: unknown, args: { pushId: string }, ctx: GatewayContext) => {
        const person = await personOnly(ctx, store, 'mutation cancelServerPush');
        const id = parse(PushId, args.pushId);
        const push = await pushes.get(id);
        if (!push || push.personId !== person) fail('NOT_FOUND', `No push ${id} of yours`);
        if (!(await pushes.cancel(id))) fail('CONFLICT', `Push ${id} is ${push.state}: only a queued or running push is cancelled`, { state: push.state });
        runner.cancel(id);
        const now = await pushes.get(id);
        return view(now ?? push);
      },
    },
  };
}
