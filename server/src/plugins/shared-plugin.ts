// What fastify-plugin does, without the dependency: a plugin marked skip-override decorates the
// instance it is registered on (not a child context), so routes loaded later see its decorations.
import type { FastifyPluginAsync } from 'fastify';

export function sharedPlugin<Options extends Record<string, unknown>>(
  name: string,
  plugin: FastifyPluginAsync<Options>,
): FastifyPluginAsync<Options> {
  return Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: name,
  });
}
