import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';

export interface BotFrameworkTokenService {
  /** The OpenID metadata document the bot reads its signing keys from. */
  readonly openIdMetadataUrl: string;
  readonly issuer: string;
  /** A channel token as Teams sends it, with whatever claims a test changes. */
  sign(claims: JWTPayload, options?: { expiresAt?: Date; key?: 'published' | 'unknown' }): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The Bot Framework channel's token issuer on loopback: OpenID metadata and a JWKS whose key
 * is endorsed for "msteams", and RS256 tokens signed with it. The bot validates them with
 * botbuilder's own code, exactly as it does Teams' tokens.
 */
export async function startBotFrameworkTokenService(): Promise<BotFrameworkTokenService> {
  const published = await generateKeyPair('RS256');
  const unknown = await generateKeyPair('RS256');
  const kid = 'local-channel-key';
  const jwk = { ...(await exportJWK(published.publicKey)), kid, use: 'sig', alg: 'RS256', endorsements: ['msteams'] };

  let origin = '';
  const server: Server = createServer((req, res) => {
    const send = (json: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    if (req.url === '/v1/.well-known/openidconfiguration') {
      send({ issuer: `${origin}/issuer`, jwks_uri: `${origin}/v1/keys`, id_token_signing_alg_values_supported: ['RS256'] });
    } else if (req.url === '/v1/keys') {
      send({ keys: [jwk] });
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${origin}/issuer`;

  return {
    openIdMetadataUrl: `${origin}/v1/.well-known/openidconfiguration`,
    issuer,
    async sign(claims, options = {}) {
      const key: KeyLike = options.key === 'unknown' ? unknown.privateKey : published.privateKey;
      return new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(typeof claims.iss === 'string' ? claims.iss : issuer)
        .setIssuedAt(new Date(Date.now() - 2 * 3_600_000))
        .setNotBefore(new Date(Date.now() - 2 * 3_600_000))
        .setExpirationTime(options.expiresAt ?? new Date(Date.now() + 3_600_000))
        .sign(key);
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
