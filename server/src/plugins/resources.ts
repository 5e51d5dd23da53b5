// Decorates the instance with the resource alarm (services/resource-alarm.ts): it hears every
// write transaction of the store and the descriptor watch, and says each exhaustion once.
import { ResourceAlarm } from '../services/resource-alarm.js';
import { watchDescriptors } from '../services/descriptor-watch.js';
import { sharedPlugin } from './shared-plugin.js';

interface ResourcesPluginOptions extends Record<string, unknown> {
  /** The data dir, named in the advice. */
  dataDir: string | undefined;
  /** How long a write waits for the database's lock before it fails (the engine's busy timeout). */
  busyTimeoutMs: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    resourceAlarm: ResourceAlarm;
  }
}

export default sharedPlugin<ResourcesPluginOptions>('otherix-resources', async (app, options) => {
  const alarm = new ResourceAlarm({ log: app.log, dataDir: options.dataDir, busyTimeoutMs: options.busyTimeoutMs });
  app.decorate('resourceAlarm', alarm);
  app.store.observeWrites({
    committed: () => {
      alarm.recovered('disk_full');
      alarm.recovered('database_busy');
      alarm.recovered('database_unwritable');
    },
    failed: (error) => void alarm.failed(error, 'a database write'),
  });
  const descriptors = watchDescriptors(alarm);
  app.addHook('onClose', async () => descriptors.stop());
});
