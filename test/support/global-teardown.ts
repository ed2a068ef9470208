export default async function globalTeardown(): Promise<void> {
  await Promise.all([globalThis.azurite?.stop(), globalThis.identityProvider?.stop()]);
}
