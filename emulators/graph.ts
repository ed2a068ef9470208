import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { Agent, createServer, type Server } from 'node:https';
import type { TlsFiles } from './tls';

/** A client secret as Graph lists it: `hint` is the secret's first three characters. */
export interface GraphPasswordCredential {
  readonly keyId: string;
  readonly displayName: string | null;
  readonly hint: string;
  readonly startDateTime: string;
  readonly endDateTime: string;
}

export interface GraphUser {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName?: string;
  readonly lastPasswordChangeDateTime: string;
  /** Member (default) or Guest (a B2B guest). */
  readonly userType?: 'Member' | 'Guest';
  readonly accountEnabled?: boolean;
  readonly mail?: string;
}

/** An app installed for a user through teamwork/installedApps. */
export interface InstalledApp {
  readonly id: string;
  readonly userId: string;
  readonly teamsAppId: string;
}

/** A mail sendMail accepted, as the recipient's mailbox would hold it. */
export interface SentMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly contentType: string;
  readonly content: string;
  readonly at: number;
}

export interface GraphEmulator {
  /** The origin to give GRAPH_URL. */
  readonly url: string;
  /** Every request answered, in order: path with its query; appId from a token that verified. */
  readonly requests: { readonly method: string; readonly path: string; readonly appId: string | undefined; readonly status: number }[];
  /** An app registration and its client secrets (passwordCredentials). */
  setApplication(appId: string, passwordCredentials: GraphPasswordCredential[]): void;
  /** Looked up by id or userPrincipalName, case-insensitively. */
  setUser(user: GraphUser): void;
  /** Application permissions an admin consented to for an app (e.g. Application.Read.All). */
  grant(appId: string, permissions: string[]): void;
  /** Mails sendMail accepted, in order. */
  readonly mails: SentMail[];
  /** The next `count` requests are answered 429 with this Retry-After, as Graph throttles. */
  throttleNext(count: number, retryAfterSeconds: number): void;
  /** Mail to this address is refused at once, as Graph refuses a recipient it cannot take (400 ErrorInvalidRecipients). */
  refuseRecipient(address: string): void;
  /** A Teams app in the organisation's catalog, by its catalog id (not the manifest id). */
  addCatalogApp(catalogAppId: string): void;
  /** Apps installed for users, in order. */
  readonly installedApps: InstalledApp[];
  /** The app as installed for a user already (they opened it in Teams). */
  markInstalled(userId: string, catalogAppId: string): void;
  /** Teams' side of an installation: what Teams does after Graph installed the app for a user. */
  onInstall: ((user: GraphUser, app: InstalledApp) => void) | undefined;
  revokeAll(): void;
  stop(): Promise<void>;
}

class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * The part of Microsoft Graph v1.0 the bot reads (docs/domain.md §4), as the service behaves:
 * bearer tokens checked (signature, issuer, audience = this origin, expiry), application
 * permissions enforced for app-only tokens, `/me` for delegated tokens only, and
 * `lastPasswordChangeDateTime` returned only when `$select`ed. Errors carry Graph's codes.
 */
export async function startGraphEmulator(options: { tls: TlsFiles; identityProviderOrigin: string; tenantId: string; port?: number }): Promise<GraphEmulator> {
  // An app's object id differs from its appId (client id) on Entra; kept stable per app.
  const applications = new Map<string, { id: string; passwordCredentials: GraphPasswordCredential[] }>();
  const users = new Map<string, GraphUser>();
  const grants = new Map<string, Set<string>>();
  const requests: GraphEmulator['requests'] = [];
  const mails: SentMail[] = [];
  const refused = new Map<string, GraphError>();
  const catalog = new Set<string>();
  const installedApps: InstalledApp[] = [];
  let onInstall: GraphEmulator['onInstall'];
  let throttle = { count: 0, retryAfterSeconds: 1 };
  const issuer = `${options.identityProviderOrigin}/${options.tenantId}`;
  const keys = createRemoteJWKSet(new URL(`${issuer}/discovery/v2.0/keys`), { agent: new Agent({ ca: options.tls.cert }) });
  let url = '';

  /** Graph's 401 messages say which check failed; clients show them, so they matter. */
  const authenticate = async (req: IncomingMessage): Promise<JWTPayload> => {
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (token === undefined) throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    try {
      return (await jwtVerify(token, keys, { issuer, audience: url })).payload;
    } catch (error) {
      const claim = (error as { claim?: string }).claim;
      const message = claim === 'aud' ? 'Access token validation failure. Invalid audience.' : claim === 'exp' ? 'Lifetime validation failed, the token is expired.' : 'Access token validation failure.';
      throw new GraphError(401, 'InvalidAuthenticationToken', message);
    }
  };

  /** App-only tokens need the permission granted; a delegated token (a user's) reads as that user may. */
  const requirePermission = (claims: JWTPayload, permissions: readonly string[]): void => {
    if (claims.upn !== undefined) return;
    const granted = grants.get(String(claims.appid)) ?? new Set<string>();
    if (!permissions.some((p) => granted.has(p))) throw new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  };

  const findUser = (idOrName: string): GraphUser => {
    const key = idOrName.toLowerCase();
    const user = [...users.values()].find((u) => u.id.toLowerCase() === key || u.userPrincipalName.toLowerCase() === key);
    if (user === undefined) throw new GraphError(404, 'Request_ResourceNotFound', `Resource '${idOrName}' does not exist or one of its queried reference-property objects are not present.`);
    return user;
  };

  /** `seen` learns the caller's appid once its token verifies, for `requests`. */
  const handle = async (req: IncomingMessage, seen: { appId?: string }): Promise<{ status: number; body: unknown }> => {
    const requestUrl = new URL(req.url ?? '/', 'https://graph');
    // Clients may encode the quotes in applications(appId='…') and the $ of $select; both decode here.
    const path = decodeURIComponent(requestUrl.pathname);
    const select = (requestUrl.searchParams.get('$select') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
    const claims = await authenticate(req);
    seen.appId = typeof claims.appid === 'string' ? claims.appid : undefined;
    if (throttle.count > 0) {
      throttle = { ...throttle, count: throttle.count - 1 };
      throw new GraphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', { 'retry-after': String(throttle.retryAfterSeconds) });
    }
    const install = /^\/v1\.0\/users\/([^/]+)\/teamwork\/installedApps$/.exec(path);
    if (install !== null && req.method === 'POST') {
      requirePermission(claims, ['TeamsAppInstallation.ReadWriteSelfForUser.All', 'TeamsAppInstallation.ReadWriteForUser.All']);
      return installFor(findUser(install[1] ?? ''), await readJson(req));
    }
    if (install !== null && req.method === 'GET') {
      requirePermission(claims, ['TeamsAppInstallation.ReadSelfForUser.All', 'TeamsAppInstallation.ReadWriteSelfForUser.All', 'TeamsAppInstallation.ReadForUser.All', 'TeamsAppInstallation.ReadWriteForUser.All']);
      const user = findUser(install[1] ?? '');
      // The one filter documented for finding an app: teamsApp/id eq '{id}'.
      const filter = requestUrl.searchParams.get('$filter');
      const appId = filter === null ? undefined : /^teamsApp\/id eq '([^']+)'$/.exec(filter)?.[1];
      if (filter !== null && appId === undefined) throw new GraphError(400, 'BadRequest', 'Invalid filter clause.');
      const value = installedApps
        .filter((a) => a.userId === user.id && (appId === undefined || a.teamsAppId === appId))
        .map((a) => ({ id: a.id, ...(requestUrl.searchParams.get('$expand')?.includes('teamsApp') === true ? { teamsApp: { id: a.teamsAppId, displayName: 'Marketplace Lead Bot', distributionMethod: 'organization' } } : {}) }));
      return { status: 200, body: { '@odata.context': `${url}/v1.0/$metadata#users('${user.id}')/teamwork/installedApps`, value } };
    }
    const chatOf = /^\/v1\.0\/users\/([^/]+)\/teamwork\/installedApps\/([^/]+)\/chat$/.exec(path);
    if (chatOf !== null && req.method === 'GET') {
      requirePermission(claims, ['TeamsAppInstallation.ReadSelfForUser.All', 'TeamsAppInstallation.ReadWriteSelfForUser.All', 'TeamsAppInstallation.ReadForUser.All', 'TeamsAppInstallation.ReadWriteForUser.All']);
      const user = findUser(chatOf[1] ?? '');
      const app = installedApps.find((a) => a.id === chatOf[2] && a.userId === user.id);
      if (app === undefined) throw new GraphError(404, 'NotFound', `The installation '${chatOf[2] ?? ''}' was not found.`);
      // The 1:1 chat of the user and the app's bot, as Graph names it.
      return { status: 200, body: { '@odata.context': `${url}/v1.0/$metadata#chats/$entity`, id: `19:${user.id}_${app.teamsAppId}@unq.gbl.spaces`, chatType: 'oneOnOne' } };
    }
    const sendMail = /^\/v1\.0\/users\/([^/]+)\/sendMail$/.exec(path);
    if (sendMail !== null && req.method === 'POST') {
      requirePermission(claims, ['Mail.Send']);
      return sendMailAs(findSender(sendMail[1] ?? ''), await readJson(req));
    }
    if (req.method !== 'GET') throw new GraphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');

    const application = /^\/v1\.0\/applications\(appId='([^']+)'\)$/.exec(path);
    if (application !== null) {
      requirePermission(claims, ['Application.Read.All', 'Application.ReadWrite.All']);
      const appId = application[1] ?? '';
      const app = applications.get(appId);
      if (app === undefined) throw new GraphError(404, 'Request_ResourceNotFound', `Resource 'applications(appId='${appId}')' does not exist or one of its queried reference-property objects are not present.`);
      const full = { id: app.id, appId, displayName: `app ${appId}`, passwordCredentials: app.passwordCredentials };
      return { status: 200, body: { '@odata.context': context('applications', select), ...pick(full, select) } };
    }
    if (path === '/v1.0/me') {
      if (typeof claims.upn !== 'string') throw new GraphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
      return { status: 200, body: userBody(findUser(claims.upn), select) };
    }
    if (path === '/v1.0/users') {
      requirePermission(claims, ['User.Read.All', 'Directory.Read.All']);
      // The one filter the bot asks: a user by their mail address.
      const mail = /^mail eq '([^']*)'$/.exec(requestUrl.searchParams.get('$filter') ?? '')?.[1];
      if (mail === undefined) throw new GraphError(400, 'Request_UnsupportedQuery', 'Unsupported or invalid query filter clause specified for property.');
      const found = [...users.values()].filter((u) => u.mail?.toLowerCase() === mail.toLowerCase());
      const value = found.map((u) => Object.fromEntries(Object.entries(userBody(u, select) as Record<string, unknown>).filter(([k]) => k !== '@odata.context')));
      return { status: 200, body: { '@odata.context': `${url}/v1.0/$metadata#users`, value } };
    }
    const user = /^\/v1\.0\/users\/([^/]+)$/.exec(path);
    if (user !== null) {
      requirePermission(claims, ['User.Read.All', 'Directory.Read.All']);
      return { status: 200, body: userBody(findUser(user[1] ?? ''), select) };
    }
    throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${unknownSegment(path)}'.`);
  };

  /** The mailbox sendMail sends from: Exchange's own error when there is none. */
  const findSender = (idOrName: string): GraphUser => {
    try {
      return findUser(idOrName);
    } catch {
      throw new GraphError(404, 'ErrorInvalidUser', `The requested user '${idOrName}' is invalid.`);
    }
  };

  /** sendMail as documented: a message with a subject, a body and recipients; 202 and no body. */
  const sendMailAs = (sender: GraphUser, body: unknown): { status: number; body: unknown } => {
    const message = (body as { message?: { subject?: unknown; body?: { contentType?: unknown; content?: unknown }; toRecipients?: unknown } } | undefined)?.message;
    const to = Array.isArray(message?.toRecipients) ? (message.toRecipients as { emailAddress?: { address?: unknown } }[]).map((r) => r.emailAddress?.address) : [];
    if (message === undefined || to.length === 0 || to.some((a) => typeof a !== 'string')) {
      throw new GraphError(400, 'ErrorInvalidRecipients', 'At least one recipient is not valid., A message can\'t be sent because it contains no recipients.');
    }
    const contentType = message.body?.contentType;
    if (typeof message.subject !== 'string' || (contentType !== 'HTML' && contentType !== 'html' && contentType !== 'Text' && contentType !== 'text') || typeof message.body?.content !== 'string') {
      throw new GraphError(400, 'ErrorInvalidRequest', 'The request is invalid: a message needs a subject and a body with contentType HTML or Text.');
    }
    for (const address of to as string[]) {
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address)) throw new GraphError(400, 'ErrorInvalidRecipients', `At least one recipient is not valid., Recipient '${address}' is not resolved. All recipients must be resolved before a message can be submitted.`);
      const refusal = refused.get(address.toLowerCase());
      if (refusal !== undefined) throw refusal;
    }
    mails.push({ from: sender.userPrincipalName, to: to as string[], subject: message.subject, contentType, content: message.body.content, at: Date.now() });
    return { status: 202, body: undefined };
  };

  /** installedApps as documented: the app by its catalog id; 201, or 409 when it is there already. */
  const installFor = (user: GraphUser, body: unknown): { status: number; body: unknown } => {
    const bind = (body as Record<string, unknown> | undefined)?.['teamsApp@odata.bind'];
    const teamsAppId = typeof bind === 'string' ? /\/appCatalogs\/teamsApps\/([^/]+)$/.exec(bind)?.[1] : undefined;
    if (teamsAppId === undefined) throw new GraphError(400, 'BadRequest', 'teamsApp@odata.bind must name an app in the catalog: https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{id}.');
    if (!catalog.has(teamsAppId)) throw new GraphError(404, 'NotFound', `The Teams app '${teamsAppId}' was not found in the organisation's app catalog.`);
    if (user.userType === 'Guest') throw new GraphError(403, 'Forbidden', 'Apps cannot be installed for guest users.');
    if (installedApps.some((a) => a.userId === user.id && a.teamsAppId === teamsAppId)) throw new GraphError(409, 'Conflict', 'App is already installed.');
    const app = { id: Buffer.from(`${user.id}##${teamsAppId}`).toString('base64'), userId: user.id, teamsAppId };
    installedApps.push(app);
    // Teams tells the bot a moment later, as it does.
    setTimeout(() => onInstall?.(user, app), 20);
    return { status: 201, body: { '@odata.context': `${url}/v1.0/$metadata#users('${user.id}')/teamwork/installedApps/$entity`, id: app.id } };
  };

  /** A user's default properties; lastPasswordChangeDateTime only when selected, as Graph does. */
  const userBody = (user: GraphUser, select: readonly string[]): unknown => {
    const full = {
      id: user.id,
      displayName: user.displayName ?? user.userPrincipalName,
      userPrincipalName: user.userPrincipalName,
      mail: user.mail ?? user.userPrincipalName,
      lastPasswordChangeDateTime: user.lastPasswordChangeDateTime,
      userType: user.userType ?? 'Member',
      accountEnabled: user.accountEnabled ?? true,
    };
    // Graph's default properties leave out these; they come only when selected.
    const { lastPasswordChangeDateTime: _hidden, userType: _type, accountEnabled: _enabled, ...defaults } = full;
    return { '@odata.context': context('users', select), ...(select.length === 0 ? defaults : pick(full, select)) };
  };

  const context = (entitySet: string, select: readonly string[]): string =>
    `${url}/v1.0/$metadata#${entitySet}${select.length > 0 ? `(${select.join(',')})` : ''}/$entity`;

  const server: Server = createServer({ cert: options.tls.cert, key: options.tls.key }, (req, res) => {
    const requestId = randomUUID();
    const seen: { appId?: string } = {};
    handle(req, seen).then(
      ({ status, body }) => {
        if (body === undefined) {
          res.writeHead(status, { 'request-id': requestId, 'content-length': '0' });
          res.end();
          return;
        }
        send(res, status, body, { 'request-id': requestId });
      },
      (error: unknown) => {
        const e = error instanceof GraphError ? error : new GraphError(500, 'generalException', 'An unexpected error occurred.');
        // Graph's challenge names the public cloud's authority and its own app id, whatever the tenant.
        const challenge: Record<string, string> = e.status === 401 ? { 'www-authenticate': 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"' } : {};
        // The client's own request id is echoed when sent, as Graph does, so logs can be matched.
        const clientRequestId = typeof req.headers['client-request-id'] === 'string' ? req.headers['client-request-id'] : requestId;
        const innerError = { date: new Date().toISOString(), 'request-id': requestId, 'client-request-id': clientRequestId };
        send(res, e.status, { error: { code: e.code, message: e.message, innerError } }, { 'request-id': requestId, ...challenge, ...e.headers });
      },
    );
    res.on('finish', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', appId: seen.appId, status: res.statusCode });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    setApplication(appId, passwordCredentials) {
      applications.set(appId, { id: applications.get(appId)?.id ?? randomUUID(), passwordCredentials });
    },
    setUser(user) {
      users.set(user.userPrincipalName.toLowerCase(), user);
    },
    grant(appId, permissions) {
      grants.set(appId, new Set(permissions));
    },
    mails,
    throttleNext(count, retryAfterSeconds) {
      throttle = { count, retryAfterSeconds };
    },
    refuseRecipient(address) {
      refused.set(address.toLowerCase(), new GraphError(400, 'ErrorInvalidRecipients', `At least one recipient is not valid., Recipient '${address}' is not resolved. All recipients must be resolved before a message can be submitted.`));
    },
    addCatalogApp(catalogAppId) {
      catalog.add(catalogAppId);
    },
    installedApps,
    markInstalled(userId, catalogAppId) {
      installedApps.push({ id: Buffer.from(`${userId}##${catalogAppId}`).toString('base64'), userId, teamsAppId: catalogAppId });
    },
    get onInstall() {
      return onInstall;
    },
    set onInstall(hook) {
      onInstall = hook;
    },
    revokeAll() {
      grants.clear();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** The first segment past those this emulator serves, as Graph names it in its 400. */
function unknownSegment(path: string): string {
  const [version = '', ...segments] = path.split('/').slice(1);
  if (version !== 'v1.0') return version;
  const known = /^applications\(appId='[^']+'\)$|^me$/.test(segments[0] ?? '') ? 1 : segments[0] === 'users' && segments.length > 1 ? 2 : 0;
  return segments[known] ?? '';
}

function pick(entity: Record<string, unknown>, select: readonly string[]): Record<string, unknown> {
  return select.length === 0 ? entity : Object.fromEntries(Object.entries(entity).filter(([key]) => select.includes(key)));
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json;odata.metadata=minimal', ...headers });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new GraphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  }
}
