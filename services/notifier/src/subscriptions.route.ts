import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { presentedKey, type ApiKeyStore } from '@downradar/common';
import { HttpError } from '@downradar/common/http';
import { ErrorResponse } from '../../../schemas/api/index';
import { SubscriptionInput, SubscriptionView, checkUrl, viewOf } from './subscription';
import type { SubscriptionStore } from './subscription-store';
import type { DestinationGuard } from './destination-guard';

/**
 * /v1/subscriptions: create, list and delete webhook subscriptions. Every route needs an API
 * key with the `subscriptions` scope (x-api-key or Bearer). The secret is returned once, in the 201 of the POST; it is never
 * listed or logged afterwards.
 */
export interface SubscriptionRoutesOptions {
  store: SubscriptionStore;
  apiKeys: ApiKeyStore;
  guard: DestinationGuard;
  checkTimeoutMs: number;
}

const Created = Type.Object({ ...SubscriptionView.properties, secret: Type.String() }, { additionalProperties: false });
const Params = Type.Object({ id: Type.String({ maxLength: 100 }) });

export const subscriptionRoutes: FastifyPluginAsync<SubscriptionRoutesOptions> = async (app: FastifyInstance, opts) => {
  const { store, apiKeys, guard } = opts;

  // Managing subscriptions needs a key with the `subscriptions` scope: a feed's key gets 403.
  app.addHook('onRequest', async (req) => {
    const check = apiKeys.authorize(presentedKey(req.headers), 'subscriptions');
    if (!check.ok) throw new HttpError(check.status, check.status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN_SCOPE', check.message, 'x-api-key');
    req.log.debug({ apiKeyName: check.name }, 'api key accepted');
  });

  app.post(
    '/v1/subscriptions',
    { schema: { body: SubscriptionInput, response: { 201: Created, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse } } },
    async (req, reply) => {
      const input = req.body as SubscriptionInput;
      const bad = checkUrl(input.url);
      if (bad) throw new HttpError(400, 'BAD_FIELD', `body.url ${bad}`, 'url');
      // Where it points now. A name that does not resolve yet is accepted: every delivery checks
      // again (a name may also change its answer later), and that check is the one that holds.
      const where = await guard.check(input.url, opts.checkTimeoutMs);
      if (!where.ok && where.refused) {
        req.log.info({ rule: where.rule }, 'subscription refused: destination');
        throw new HttpError(400, 'DESTINATION_REFUSED', `body.url: ${where.reason}`, 'url');
      }
      const sub = await store.create(input);
      req.log.info({ subscriptionId: sub.id }, 'subscription created');
      return reply.code(201).send({ ...viewOf(sub), secret: sub.secret });
    },
  );

  app.get(
    '/v1/subscriptions',
    { schema: { response: { 200: Type.Object({ subscriptions: Type.Array(SubscriptionView) }), 401: ErrorResponse, 403: ErrorResponse } } },
    async () => ({ subscriptions: store.list().map(viewOf) }),
  );

  app.get(
    '/v1/subscriptions/:id',
    { schema: { params: Params, response: { 200: SubscriptionView, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse } } },
    async (req) => {
      const { id } = req.params as { id: string };
      const sub = store.get(id);
      if (!sub) throw new HttpError(404, 'NOT_FOUND', `no subscription ${id}`, 'id');
      return viewOf(sub);
    },
  );

  app.delete(
    '/v1/subscriptions/:id',
    { schema: { params: Params, response: { 204: Type.Null(), 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse } } },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      if (!(await store.remove(id))) throw new HttpError(404, 'NOT_FOUND', `no subscription ${id}`, 'id');
      req.log.info({ subscriptionId: id }, 'subscription deleted');
      return reply.code(204).send();
    },
  );
};
